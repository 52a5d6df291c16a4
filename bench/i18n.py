"""Reads of a localized type: wrk against one `cms develop`.

The project is tests/projects/i18n (articles localized and with draft &
publish, locales en, fr and de; tags neither). It creates ``--documents``
(5,000) articles over REST, each published in English and in French (four
rows per document: a draft and a published row per locale) with a category
in both locales, and as many tags, then measures, one after the other
(server and wrk pinned to separate cores as bench/rest.py does):

| | request |
|---|---|
| default | `GET /api/articles?pagination[pageSize]=20` (the default locale, published) |
| fr | `GET /api/articles?locale=fr&pagination[pageSize]=20` |
| fr+category | `GET /api/articles?locale=fr&populate=category&pagination[pageSize]=20` (the French categories) |
| localizations | `GET /api/articles?locale=fr&populate[localizations][fields][0]=title&pagination[pageSize]=20` |
| plain | `GET /api/tags?pagination[pageSize]=20` (a type with neither option) |

Each is checked once first (20 entries of the right locale). Prints req/s,
p50/p99 and the server's CPU.

    .venv/bin/python bench/i18n.py
    .venv/bin/python bench/i18n.py --documents 2000 --duration 5
"""

from __future__ import annotations

import argparse
import concurrent.futures
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rest  # noqa: E402  (bench/rest.py: the server, wrk and its parsing)

PROJECT = rest.REPO / "tests" / "projects" / "i18n"
PAGE = "pagination[pageSize]=20&sort=id:asc"
URLS = {
    "default": f"/api/articles?{PAGE}",
    "fr": f"/api/articles?locale=fr&{PAGE}",
    "fr+category": f"/api/articles?locale=fr&populate=category&{PAGE}",
    "localizations": f"/api/articles?locale=fr&populate[localizations][fields][0]=title&{PAGE}",
    "plain": f"/api/tags?{PAGE}",
}
LOCALES = {"default": "en", "fr": "fr", "fr+category": "fr", "localizations": "fr"}


def seed(base: str, documents: int) -> None:
    """Categories and articles in English and French, and tags, over REST, 8 at a time."""
    def write(method: str, path: str, data: dict[str, Any], expected: int) -> dict[str, Any]:
        status, body = rest.call(method, base + path, {"data": data})
        rest.expect(status == expected, f"{method} {path}", status, body)
        return dict(body["data"])

    categories = [write("POST", "/api/categories", {"name": f"Category {n}"}, 201)["documentId"] for n in range(20)]
    for n, category in enumerate(categories):
        write("PUT", f"/api/categories/{category}?locale=fr", {"name": f"Catégorie {n}"}, 200)

    def article(n: int) -> None:
        category = categories[n % len(categories)]
        doc = write("POST", "/api/articles", {"title": f"Article {n}", "sku": f"A-{n}", "price": n,
                                              "body": "Text. " * 20, "category": category}, 201)["documentId"]
        write("PUT", f"/api/articles/{doc}?locale=fr", {"title": f"Article {n} (fr)", "body": "Texte. " * 20,
                                                         "category": category}, 200)
        write("POST", "/api/tags", {"name": f"Tag {n}"}, 201)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(article, range(documents)))


def check(base: str, key: str) -> None:
    status, body = rest.call("GET", base + URLS[key])
    rows: list[dict[str, Any]] = body.get("data", []) if isinstance(body, dict) else []
    rest.expect(status == 200 and len(rows) == 20, f"({key}) 20 entries", status, body)
    locale = LOCALES.get(key)
    if locale is not None:
        rest.expect(all(r.get("locale") == locale and r.get("publishedAt") for r in rows),
                    f"({key}) published versions in {locale}", status, rows)
    if key == "fr+category":
        rest.expect(all((r.get("category") or {}).get("locale") == "fr" for r in rows), "(fr+category) French categories",
                    status, rows)
    if key == "localizations":
        rest.expect(all([o.get("locale") for o in r.get("localizations", [])] == ["en"] for r in rows),
                    "(localizations) the English version of each", status, rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=5_000)
    rest.page_arguments(parser)
    args = parser.parse_args()

    def prepare(url: str, pinned: str) -> None:
        seed(url, args.documents)
        print(f"project: tests/projects/i18n; {args.documents:,} articles published in en and fr (4 rows each), "
              f"20 categories in en and fr, {args.documents:,} tags; {pinned}")
        for key in URLS:
            check(url, key)
        print("checked: every page holds the published versions of its locale\n")

    return rest.page_bench(PROJECT, URLS, args, prepare)


if __name__ == "__main__":
    sys.exit(main())
