"""Develop mode tells, at start, which content types no role may use yet: a new type's REST
routes answer 403 to Public and Authenticated until granted, which surprised developers."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.project import collection
from tests.plugins.users_permissions.support import serve


def test_develop_names_the_types_no_role_is_granted(tmp_path: Path) -> None:
    article = collection("article", "articles", {"title": {"type": "string"}})
    with serve(tmp_path / "project", types={"article": article}) as up:
        log = up.server.log()
        assert "api::article.article: no role is granted any of its actions" in log
        assert "api::message.message: no role" not in log  # granted by config/permissions.toml
        answer = up.http.get("/api/articles")
        assert answer.status_code == 403, answer.text  # what the hint is about
