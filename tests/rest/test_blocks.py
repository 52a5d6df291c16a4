"""``blocks`` attributes over REST: Strapi v5's blocks format is checked on write (cms/blocks.py).

The admin refused a malformed blocks value while REST stored it: one policy on
every path, so the core checks it for every writer, with a 400 that names the
attribute and the block.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tests.helpers.project import Server, collection, make_project, write_schema

PARAGRAPH = {"type": "paragraph", "children": [{"type": "text", "text": "Hello", "bold": True}]}


def test_blocks_are_checked_on_every_write(tmp_path: Path, server_factory: Callable[..., Server]) -> None:
    """Catches REST storing a blocks value the admin (and Strapi) refuse, or refusing a valid one."""
    root = make_project(tmp_path / "site", builtin_types=False)
    write_schema(root, "page", collection("page", "pages", {"title": {"type": "string"}, "body": {"type": "blocks"}}))
    server = server_factory(root)
    with httpx.Client(base_url=server.url + "/api") as api:
        created = api.post("/pages", json={"data": {"title": "ok", "body": [PARAGRAPH]}})
        bad_level = api.post("/pages", json={"data": {"title": "bad", "body": [
            PARAGRAPH, {"type": "heading", "level": 9, "children": [{"type": "text", "text": "x"}]}]}})
        not_a_list = api.post("/pages", json={"data": {"title": "bad", "body": {"type": "paragraph"}}})
        document_id = created.json()["data"]["documentId"]
        bad_update = api.put(f"/pages/{document_id}", json={"data": {"body": [{"type": "paragraph", "children": []}]}})
        listed = api.get("/pages").json()

    assert created.status_code == 201 and created.json()["data"]["body"] == [PARAGRAPH]
    for answer in (bad_level, not_a_list, bad_update):
        body: dict[str, Any] = answer.json()
        assert (answer.status_code, body["error"]["name"]) == (400, "ValidationError"), body
        [problem] = body["error"]["details"]["errors"]
        assert problem["path"] == ["body"] and problem["message"].startswith("body is not valid blocks: ")
    assert "Block 2 (heading)" in bad_level.json()["error"]["details"]["errors"][0]["message"]
    # nothing refused was stored, and the valid entry kept its blocks
    assert [(d["title"], d["body"]) for d in listed["data"]] == [("ok", [PARAGRAPH])]
