"""Turning draft & publish or i18n on and off for a type that has entries (issue 16, item 10).

Each test writes entries, changes the schema, makes the migration with the
real ``cms migrate make`` and starts the server again, on SQLite and
PostgreSQL. As Strapi: turning i18n on gives existing entries the default
locale; turning draft & publish off deletes drafts (a published document keeps
its published version); turning i18n off keeps the default locale's versions.
The last two lose data, so ``cms migrate up`` refuses them without
``--allow-destructive``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import database_environment
from tests.helpers.project import Server, run_cms

PROJECT = Path(__file__).resolve().parents[1] / "projects" / "i18n"


def edit_schema(root: Path, folder: str, change: Callable[[dict[str, Any]], None]) -> None:
    path = root / "content_types" / folder / "schema.json"
    schema = json.loads(path.read_text())
    change(schema)
    path.write_text(json.dumps(schema))


@contextmanager
def running(root: Path, env: dict[str, str]) -> Iterator[httpx.Client]:
    server = Server(root, "develop", env)
    try:
        server.wait_ready()
        with httpx.Client(base_url=server.url + "/api", timeout=10) as client:
            yield client
    finally:
        server.stop()


def migrate(root: Path, env: dict[str, str], name: str) -> str:
    made = run_cms(root, "migrate", "make", name, env=env)
    assert made.returncode == 0, made.stdout + made.stderr
    return made.stdout + made.stderr


def data(answer: httpx.Response) -> Any:
    assert answer.status_code in (200, 201), answer.text
    return answer.json()["data"]


def test_turning_i18n_on_gives_existing_entries_the_default_locale(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    edit_schema(root, "category", lambda s: s.pop("pluginOptions"))
    with database_environment() as env:
        with running(root, env) as api:
            news = data(api.post("/categories", json={"data": {"name": "News"}}))
            assert "locale" not in news
            article = data(api.post("/articles", json={"data": {"title": "Linked", "category": news["documentId"]}}))
        edit_schema(root, "category", lambda s: s.update(pluginOptions={"i18n": {"localized": True}}))
        migrate(root, env, "localize_categories")
        with running(root, env) as api:
            category = data(api.get(f"/categories/{news['documentId']}"))
            assert (category["name"], category["locale"]) == ("News", "en")
            # the link made before survives, and a translation can be added
            assert data(api.get(f"/articles/{article['documentId']}", params={"populate": "category"}))[
                "category"]["documentId"] == news["documentId"]
            french = data(api.put(f"/categories/{news['documentId']}", params={"locale": "fr"},
                                  json={"data": {"name": "News"}}))  # unique per locale: the same name is free
            assert (french["documentId"], french["locale"]) == (news["documentId"], "fr")
            taken = api.post("/categories", json={"data": {"name": "News"}})
            assert taken.status_code == 400


def test_turning_draft_and_publish_off_keeps_the_published_versions(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    edit_schema(root, "article", lambda s: s.pop("pluginOptions"))
    with database_environment() as env:
        with running(root, env) as api:
            live = data(api.post("/articles", json={"data": {"title": "Live", "sku": "LIVE"}}))
            data(api.put(f"/articles/{live['documentId']}", params={"status": "draft"},
                         json={"data": {"title": "Live, edited"}}))
            hidden = data(api.post("/articles", params={"status": "draft"}, json={"data": {"title": "Never published"}}))
        edit_schema(root, "article", lambda s: s["options"].update(draftAndPublish=False))
        migrate(root, env, "articles_without_drafts")
        refused = run_cms(root, "migrate", "up", env=env)
        assert refused.returncode != 0
        assert 'DELETE FROM "articles" WHERE "published_at" IS NULL' in refused.stdout + refused.stderr
        applied = run_cms(root, "migrate", "up", "--allow-destructive", env=env)
        assert applied.returncode == 0, applied.stdout + applied.stderr
        with running(root, env) as api:
            listed = data(api.get("/articles", params={"sort": "id"}))
            assert [(a["documentId"], a["title"]) for a in listed] == [(live["documentId"], "Live")]
            assert listed[0]["publishedAt"] is not None
            assert api.get(f"/articles/{hidden['documentId']}").status_code == 404
            # documentId and sku are unique again, as on any type without draft & publish
            assert api.post("/articles", json={"data": {"title": "Copy", "sku": "LIVE"}}).status_code == 400
            edited = data(api.put(f"/articles/{live['documentId']}", json={"data": {"title": "Live again"}}))
            assert edited["title"] == "Live again"


def test_turning_i18n_off_keeps_the_default_locale(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    with database_environment() as env:
        with running(root, env) as api:
            fruit = data(api.post("/categories", json={"data": {"name": "Fruit"}}))
            data(api.put(f"/categories/{fruit['documentId']}", params={"locale": "fr"}, json={"data": {"name": "Fruits"}}))
            french_only = data(api.post("/categories", params={"locale": "fr"}, json={"data": {"name": "Légumes"}}))
        edit_schema(root, "category", lambda s: s.pop("pluginOptions"))
        migrate(root, env, "categories_not_localized")
        applied = run_cms(root, "migrate", "up", "--allow-destructive", env=env)
        assert applied.returncode == 0, applied.stdout + applied.stderr
        with running(root, env) as api:
            listed = data(api.get("/categories", params={"sort": "id"}))
            assert [(c["documentId"], c["name"]) for c in listed] == [(fruit["documentId"], "Fruit")]
            assert "locale" not in listed[0]
            assert api.get(f"/categories/{french_only['documentId']}").status_code == 404


def test_turning_draft_and_publish_on_for_a_localized_type_makes_a_draft_per_locale(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    edit_schema(root, "article", lambda s: s["options"].update(draftAndPublish=False))
    with database_environment() as env:
        with running(root, env) as api:
            doc = data(api.post("/articles", json={"data": {"title": "Both", "sku": "BOTH", "price": 3}}))
            data(api.put(f"/articles/{doc['documentId']}", params={"locale": "fr"}, json={"data": {"title": "Les deux"}}))
        edit_schema(root, "article", lambda s: s["options"].update(draftAndPublish=True))
        migrate(root, env, "articles_with_drafts")
        with running(root, env) as api:
            for locale, title in (("en", "Both"), ("fr", "Les deux")):
                for status in ("published", "draft"):
                    version = data(api.get(f"/articles/{doc['documentId']}", params={"locale": locale, "status": status}))
                    assert (version["title"], version["locale"], version["price"]) == (title, locale, 3)
                    assert (version["publishedAt"] is None) == (status == "draft")
            # each locale's draft is edited and published on its own
            data(api.put(f"/articles/{doc['documentId']}", params={"locale": "fr", "status": "draft"},
                         json={"data": {"title": "Les deux, revu"}}))
            assert data(api.get(f"/articles/{doc['documentId']}", params={"locale": "fr"}))["title"] == "Les deux"
            assert data(api.get(f"/articles/{doc['documentId']}", params={"status": "draft"}))["title"] == "Both"
