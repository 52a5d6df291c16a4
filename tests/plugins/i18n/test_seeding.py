"""Seeding at every start: missing locales added, editors' changes kept, the default set once."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import database_environment
from tests.helpers.project import REPO
from tests.plugins.i18n.support import LOCALES, error, running, serve, write_project


def test_a_new_database_gets_the_configured_locales_and_default(tmp_path: Path) -> None:
    settings = 'default_locale = "fr"\nlocales = [{code = "en", name = "English (en)"}, {code = "fr"}]'
    with serve(tmp_path / "project", settings) as site:
        assert [(l["code"], l["name"], l["isDefault"]) for l in site.locales()] == [
            ("en", "English (en)", False), ("fr", "fr", True)]
        probe = site.service("fr")
        assert probe == {"default": "fr", "codes": ["en", "fr"], "check": {"ok": "fr"}}
        assert site.service("de")["check"]["message"] == "This locale doesn't exist"


def test_without_settings_english_is_the_one_locale(tmp_path: Path) -> None:
    with serve(tmp_path / "project") as site:
        assert [(l["code"], l["name"], l["isDefault"]) for l in site.locales()] == [("en", "English (en)", True)]


def test_without_a_grant_nobody_lists_the_locales(tmp_path: Path) -> None:
    """The repository's default grants name no i18n action: the routes are closed."""
    grants = (REPO / "config" / "permissions.toml").read_text()
    with serve(tmp_path / "project", grants=grants) as site:
        assert error(site.http.get(LOCALES))[:2] == (403, "ForbiddenError")
        user = site.register("reader")
        assert error(site.http.get(LOCALES, headers=user))[:2] == (403, "ForbiddenError")
        assert error(site.http.post(LOCALES, json={"code": "de", "isDefault": False}, headers=user))[:2] == (
            403, "ForbiddenError")
        assert site.service()["codes"] == ["en"]  # the service does not depend on grants


def test_a_restart_adds_missing_locales_and_keeps_what_editors_did(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", 'locales = [{code = "en", name = "English (en)"}, {code = "fr"}]')
    with database_environment() as env:
        with running(root, env) as site:
            editor = site.register("editor")
            fr = site.by_code("fr")
            assert site.http.put(f"{LOCALES}/{fr['id']}", json={"name": "Français"}, headers=editor).is_success
            assert site.http.post(LOCALES, json={"code": "de", "name": "Deutsch", "isDefault": True},
                                  headers=editor).is_success
        plugins = root / "config" / "plugins.toml"
        plugins.write_text(plugins.read_text().replace('{code = "fr"}', '{code = "fr"}, {code = "it", name = "Italiano"}'))
        with running(root, env) as site:
            assert [(l["code"], l["name"], l["isDefault"]) for l in site.locales()] == [
                ("en", "English (en)", False), ("fr", "Français", False), ("de", "Deutsch", True),
                ("it", "Italiano", False)]
            assert site.service() == {"default": "de", "codes": ["en", "fr", "de", "it"],
                                      "check": {"status": 400, "name": "ValidationError",
                                                "message": "This locale doesn't exist"}}
            # a locale removed from the file is not removed from the database
        plugins.write_text(plugins.read_text().replace('{code = "fr"}, ', ""))
        with running(root, env) as site:
            assert [l["code"] for l in site.locales()] == ["en", "fr", "de", "it"]
            assert site.by_code("de")["isDefault"] is True
