"""Articles with components and a dynamic zone over REST: wrk against one `cms develop`.

The project is tests/projects/components (Strapi's blog article: an ``seo``
component, a repeatable ``faqs`` and a ``blocks`` dynamic zone of quotes,
rich texts and related articles). It creates ``--articles`` (20) articles over
REST, each with ``--blocks`` (5) blocks of the three kinds, two faqs and an
seo, then measures, one after the other (server and wrk pinned to separate
cores as bench/rest.py does):

| | request |
|---|---|
| plain | `GET /api/articles?pagination[pageSize]=20` (no component read) |
| blocks | the same with `populate[blocks]=*` (every block, one level) |
| all | `populate[seo]=*&populate[faqs]=*&populate[blocks]=*` |

Each is checked once first (20 articles; with ``blocks``, 5 each, in order,
each with ``__component`` and ``id``). Prints req/s, p50/p99 and the server's
CPU, as bench/rest.py.

    .venv/bin/python bench/components.py
    .venv/bin/python bench/components.py --articles 20 --blocks 5 --duration 10
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rest  # noqa: E402  (bench/rest.py: the server, wrk and its parsing)

PROJECT = rest.REPO / "tests" / "projects" / "components"
KINDS = ("shared.quote", "shared.rich-text", "shared.related-article")
URLS = {
    "plain": "/api/articles?pagination[pageSize]=20",
    "blocks": "/api/articles?pagination[pageSize]=20&populate[blocks]=*",
    "all": "/api/articles?pagination[pageSize]=20&populate[seo]=*&populate[faqs]=*&populate[blocks]=*",
}


def block(kind: str, number: int, first: str | None) -> dict[str, Any]:
    if kind == "shared.quote":
        return {"__component": kind, "title": f"Quote {number}", "body": "Said once, quoted often. " * 4}
    if kind == "shared.rich-text":
        return {"__component": kind, "body": f"## Part {number}\n\nSome *markdown* text. " * 3}
    return {"__component": kind, "label": f"See also {number}", "article": first}


def seed(base: str, articles: int, blocks: int) -> None:
    first: str | None = None
    for n in range(articles):
        data = {"title": f"Article {n}", "slug": f"article-{n}",
                "seo": {"metaTitle": f"Article {n}", "metaDescription": "A description of the article."},
                "faqs": [{"question": f"Q{n}.{i}?", "answer": "An answer."} for i in range(2)],
                "blocks": [block(KINDS[i % 3], i, first) for i in range(blocks)] if first else
                          [block(KINDS[i % 2], i, None) for i in range(blocks)]}
        status, body = rest.call("POST", base + "/api/articles", {"data": data})
        rest.expect(status == 201, "article created", status, body)
        first = first or body["data"]["documentId"]


def check(base: str, key: str, articles: int, blocks: int) -> None:
    status, body = rest.call("GET", base + URLS[key])
    rest.expect(status == 200 and len(body.get("data", [])) == min(20, articles), f"({key}) 20 articles", status, body)
    for article in body["data"]:
        if key == "plain":
            rest.expect("blocks" not in article, "(plain) no blocks unless populated", status, article)
        else:
            items = article.get("blocks") or []
            rest.expect(len(items) == blocks and all("__component" in b and "id" in b for b in items),
                        f"({key}) {blocks} blocks with __component and id", status, article)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--blocks", type=int, default=5)
    rest.page_arguments(parser)
    args = parser.parse_args()

    def prepare(url: str, pinned: str) -> None:
        seed(url, args.articles, args.blocks)
        print(f"project: tests/projects/components; {args.articles} articles, {args.blocks} blocks each "
              f"(quote, rich text, related article), 2 faqs and an seo; {pinned}")
        for key in URLS:
            check(url, key, args.articles, args.blocks)
        print("checked: every request answers its articles (and blocks where populated)\n")

    return rest.page_bench(PROJECT, URLS, args, prepare)


if __name__ == "__main__":
    sys.exit(main())
