"""Published reads of a type with draft & publish: wrk against one `cms develop`.

The project is tests/projects/draft_publish (articles with draft & publish, and
categories without it). It creates ``--documents`` (10,000) articles and as
many categories over REST (each article published: a draft row and a published
row), then edits half of the articles' drafts (`PUT ?status=draft`: their
published versions stay as they were, "modified"), and measures, one after the
other (server and wrk pinned to separate cores as bench/rest.py does):

| | request |
|---|---|
| published | `GET /api/articles?status=published&pagination[pageSize]=20` |
| default | `GET /api/articles?pagination[pageSize]=20` (published too) |
| draft | `GET /api/articles?status=draft&pagination[pageSize]=20` |
| no-d&p | `GET /api/categories?pagination[pageSize]=20` (a type without the option) |

Each is checked once first (20 entries; the published page shows no draft
edit, the draft page shows them). Prints req/s, p50/p99 and the server's CPU.

    .venv/bin/python bench/draft_publish.py
    .venv/bin/python bench/draft_publish.py --documents 10000 --duration 10
"""

from __future__ import annotations

import argparse
import concurrent.futures
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rest  # noqa: E402  (bench/rest.py: the server, wrk and its parsing)

PROJECT = rest.REPO / "tests" / "projects" / "draft_publish"
PAGE = "pagination[pageSize]=20&sort=id:asc"
URLS = {
    "published": f"/api/articles?status=published&{PAGE}",
    "default": f"/api/articles?{PAGE}",
    "draft": f"/api/articles?status=draft&{PAGE}",
    "no-d&p": f"/api/categories?{PAGE}",
}


def seed(base: str, documents: int) -> None:
    """Articles (published) and categories over REST, 8 at a time; then half the drafts edited."""
    def post(n: int) -> str:
        status, body = rest.call("POST", base + "/api/articles",
                                 {"data": {"title": f"Article {n}", "slug": f"article-{n}", "body": "Text. " * 20}})
        rest.expect(status == 201, "article created", status, body)
        status, created = rest.call("POST", base + "/api/categories", {"data": {"name": f"Category {n}"}})
        rest.expect(status == 201, "category created", status, created)
        return str(body["data"]["documentId"])

    def edit(document_id: str) -> None:
        status, body = rest.call("PUT", f"{base}/api/articles/{document_id}?status=draft",
                                 {"data": {"title": "Edited, not published"}})
        rest.expect(status == 200, "draft edited", status, body)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(post, range(documents)))
        list(pool.map(edit, ids[::2]))


def check(base: str, key: str) -> None:
    status, body = rest.call("GET", base + URLS[key])
    rows: list[dict[str, Any]] = body.get("data", []) if isinstance(body, dict) else []
    rest.expect(status == 200 and len(rows) == 20, f"({key}) 20 entries", status, body)
    edited = [r for r in rows if r.get("title") == "Edited, not published"]
    if key in ("published", "default"):
        rest.expect(not edited and all(r["publishedAt"] for r in rows), f"({key}) published versions only", status, rows)
    elif key == "draft":
        # about half: articles are created 8 at a time, so row ids do not follow the edit order exactly
        rest.expect(0 < len(edited) < 20 and all(r["publishedAt"] is None for r in rows),
                    "(draft) drafts, some of them edited", status, rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    rest.page_arguments(parser)
    args = parser.parse_args()

    def prepare(url: str, pinned: str) -> None:
        seed(url, args.documents)
        print(f"project: tests/projects/draft_publish; {args.documents:,} articles published (a draft and a "
              f"published row each), half of their drafts edited since; {args.documents:,} categories "
              f"(no draft & publish); {pinned}")
        for key in URLS:
            check(url, key)
        print("checked: published pages show no draft edit, the draft page shows them\n")

    return rest.page_bench(PROJECT, URLS, args, prepare)


if __name__ == "__main__":
    sys.exit(main())
