"""Strapi's locale endpoints on a real server: shapes, the default rule, codes, permissions."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from openapi_spec_validator import validate

from tests.plugins.i18n.support import LOCALES, Project, error

KEYS = ["id", "documentId", "name", "code", "createdAt", "updatedAt", "publishedAt", "isDefault"]


def create(site: Project, editor: dict[str, str], **body: Any) -> dict[str, Any]:
    answer = site.http.post(LOCALES, json=body, headers=editor)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_seeded_locales_are_a_bare_array_in_strapis_shape(site: Project) -> None:
    locales = site.locales()
    assert [(l["code"], l["name"], l["isDefault"]) for l in locales[:2]] == [
        ("en", "English (en)", True), ("fr", "French (fr)", False)]
    for locale in locales:
        assert list(locale) == KEYS
        assert isinstance(locale["id"], int) and len(locale["documentId"]) == 24
        assert locale["publishedAt"] is not None
    assert site.sql("SELECT code FROM i18n_locale ORDER BY id")[:2] == [("en",), ("fr",)]


def test_anonymous_callers_may_only_list_what_public_is_granted(site: Project) -> None:
    fr = site.by_code("fr")
    assert error(site.http.post(LOCALES, json={"code": "de", "isDefault": False}))[:2] == (403, "ForbiddenError")
    assert error(site.http.put(f"{LOCALES}/{fr['id']}", json={"name": "x"}))[:2] == (403, "ForbiddenError")
    assert error(site.http.delete(f"{LOCALES}/{fr['id']}"))[:2] == (403, "ForbiddenError")
    bad_token = {"Authorization": "Bearer nonsense"}
    assert site.http.post(LOCALES, json={"code": "de", "isDefault": False}, headers=bad_token).status_code == 401
    assert site.by_code("fr")["name"] == "French (fr)"
    assert "de" not in [l["code"] for l in site.locales()]


def test_create_answers_the_locale_and_the_service_knows_it(site: Project, editor: dict[str, str]) -> None:
    made = create(site, editor, code="pt-BR", name="Portuguese (Brazil)", isDefault=False)
    assert list(made) == KEYS
    assert (made["code"], made["name"], made["isDefault"]) == ("pt-BR", "Portuguese (Brazil)", False)
    assert made in site.locales()
    probe = site.service("pt-BR")
    assert probe["check"] == {"ok": "pt-BR"} and "pt-BR" in probe["codes"] and probe["default"] == "en"
    # a name is optional, as in Strapi (an empty one is stored as null)
    assert create(site, editor, code="es-419", name="", isDefault=False)["name"] is None
    assert create(site, editor, code="ast", isDefault=False)["name"] is None


def test_create_refuses_what_strapi_refuses(site: Project, editor: dict[str, str]) -> None:
    def refused(body: Any) -> tuple[int, str, str]:
        return error(site.http.post(LOCALES, json=body, headers=editor))

    answer = site.http.post(LOCALES, json={"name": "Italian"}, headers=editor)
    assert error(answer) == (400, "ValidationError", "2 errors occurred")
    assert [e["path"] for e in answer.json()["error"]["details"]["errors"]] == [["code"], ["isDefault"]]
    assert refused({"code": "fr", "name": "again", "isDefault": False}) == (
        400, "ApplicationError", "This locale already exists")
    for code in ("EN", "english", "e", "en_US", "fr-", "de-DE-x", "1a", 7, "a" * 2 + "-abcdefghi"):
        status, name, message = refused({"code": code, "isDefault": False})
        assert (status, name) == (400, "ValidationError"), code
        assert message.startswith("code "), message
    assert refused({"code": "it", "isDefault": "yes"})[:2] == (400, "ValidationError")
    assert refused({"code": "it", "name": "x" * 51, "isDefault": False}) == (
        400, "ValidationError", "name must be at most 50 characters")
    assert refused({"code": "it", "name": "a\x00b", "isDefault": False})[:2] == (400, "ValidationError")
    assert refused({"code": "it", "isDefault": False, "locale": "en"}) == (
        400, "ValidationError", "this field has unspecified keys: locale")
    assert refused([{"code": "it"}])[:2] == (400, "ValidationError")
    syntax = site.http.post(LOCALES, content=b"{nope", headers={**editor, "content-type": "application/json"})
    assert error(syntax)[:2] == (400, "SyntaxError")
    assert "it" not in [l["code"] for l in site.locales()]


def test_update_renames_but_never_changes_the_code(site: Project, editor: dict[str, str]) -> None:
    nl = create(site, editor, code="nl", name="Dutch", isDefault=False)
    answer = site.http.put(f"{LOCALES}/{nl['id']}", json={"name": "Nederlands"}, headers=editor)
    assert answer.status_code == 200, answer.text
    assert {k: v for k, v in answer.json().items() if k != "updatedAt"} == {
        **{k: v for k, v in nl.items() if k != "updatedAt"}, "name": "Nederlands"}
    for body in ({"code": "nl-BE"}, {"name": "Dutch", "code": "nl-BE"}, {"code": "nl"}):
        assert error(site.http.put(f"{LOCALES}/{nl['id']}", json=body, headers=editor)) == (
            400, "ValidationError", "this field has unspecified keys: code")
    for body in ({"name": ""}, {"name": 3}, {"isDefault": None}, {"isDefault": 1}):
        assert error(site.http.put(f"{LOCALES}/{nl['id']}", json=body, headers=editor))[:2] == (
            400, "ValidationError"), body
    assert site.by_code("nl")["name"] == "Nederlands"
    # an empty body changes nothing
    assert site.http.put(f"{LOCALES}/{nl['id']}", json={}, headers=editor).json()["name"] == "Nederlands"


def test_unknown_ids_are_404_locale_not_found(site: Project, editor: dict[str, str]) -> None:
    for locale_id in (999999, 2**31, 10**30, 0, -1):
        for method in ("PUT", "DELETE"):
            answer = site.http.request(method, f"{LOCALES}/{locale_id}", json={"name": "x"}, headers=editor)
            assert error(answer) == (404, "NotFoundError", "locale.notFound"), (method, locale_id)


def test_exactly_one_default_whoever_asks(site: Project, editor: dict[str, str]) -> None:
    en, fr = site.by_code("en"), site.by_code("fr")
    # a new locale made default takes it over
    de = create(site, editor, code="de", name="German", isDefault=True)
    assert de["isDefault"] is True
    assert [l["code"] for l in site.locales() if l["isDefault"]] == ["de"]
    assert site.service()["default"] == "de"
    # PUT isDefault on another one moves it
    moved = site.http.put(f"{LOCALES}/{fr['id']}", json={"isDefault": True}, headers=editor)
    assert moved.status_code == 200 and moved.json()["isDefault"] is True
    assert [l["code"] for l in site.locales() if l["isDefault"]] == ["fr"]
    # the only default cannot be unmarked (Strapi answers 200 and keeps it)
    kept = site.http.put(f"{LOCALES}/{fr['id']}", json={"isDefault": False, "name": "Français"}, headers=editor)
    assert kept.status_code == 200 and kept.json()["isDefault"] is True and kept.json()["name"] == "Français"
    # nor deleted
    assert error(site.http.delete(f"{LOCALES}/{fr['id']}", headers=editor)) == (
        400, "ApplicationError", "Cannot delete the default locale")
    assert site.by_code("fr")["isDefault"] is True
    # back to English for the other tests
    site.http.put(f"{LOCALES}/{en['id']}", json={"isDefault": True}, headers=editor)
    assert [l["code"] for l in site.locales() if l["isDefault"]] == ["en"]
    assert site.sql("SELECT code FROM i18n_locale WHERE is_default = TRUE") == [("en",)]


def test_delete_answers_the_deleted_locale(site: Project, editor: dict[str, str]) -> None:
    sv = create(site, editor, code="sv", name="Swedish", isDefault=False)
    answer = site.http.delete(f"{LOCALES}/{sv['id']}", headers=editor)
    assert answer.status_code == 200 and answer.json() == sv
    assert "sv" not in [l["code"] for l in site.locales()]
    assert error(site.http.delete(f"{LOCALES}/{sv['id']}", headers=editor)) == (
        404, "NotFoundError", "locale.notFound")
    probe = site.service("sv")
    assert "sv" not in probe["codes"]
    assert probe["check"] == {"status": 400, "name": "ValidationError", "message": "This locale doesn't exist"}
    # the code is free again
    assert create(site, editor, code="sv", name="Svenska", isDefault=False)["name"] == "Svenska"


def test_the_rules_hold_for_other_writers(site: Project, editor: dict[str, str]) -> None:
    """The admin (and any plugin) writes through the document service: same rules."""
    en, fr = site.by_code("en"), site.by_code("fr")
    changed = site.http.post(f"/api/probe/write/{fr['documentId']}", json={"code": "fr-FR"})
    assert error(changed) == (400, "ValidationError", "A locale's code cannot be changed")
    deleted = site.http.post(f"/api/probe/write/{en['documentId']}", params={"action": "delete"})
    assert error(deleted) == (400, "ApplicationError", "Cannot delete the default locale")
    made = site.http.post(f"/api/probe/write/{fr['documentId']}", json={"isDefault": True})
    assert made.status_code == 200, made.text
    assert [l["code"] for l in site.locales() if l["isDefault"]] == ["fr"]
    assert site.service()["default"] == "fr"
    site.http.post(f"/api/probe/write/{en['documentId']}", json={"isDefault": True})
    assert site.service()["default"] == "en"


def test_the_routes_are_documented(site: Project) -> None:
    document = site.http.get("/api/openapi.json").json()
    validate(document)
    paths = document["paths"]
    assert set(paths[LOCALES]) == {"get", "post"}
    assert set(paths[f"{LOCALES}/{{locale_id}}"]) == {"put", "delete"}
    assert paths[LOCALES]["get"]["operationId"] == "i18n.listLocales"
    locale = document["components"]["schemas"]["I18nLocale"]
    assert set(locale["properties"]) == set(KEYS)


def test_concurrent_defaults_leave_exactly_one(site: Project, editor: dict[str, str]) -> None:
    """Requests racing to make different locales the default: one wins, none is lost."""
    ids = [create(site, editor, code=f"x{n}", isDefault=False)["id"] for n in ("a", "b", "c", "d")]

    def make_default(locale_id: int) -> int:
        with httpx.Client(base_url=site.server.url, timeout=60) as client:
            return client.put(f"{LOCALES}/{locale_id}", json={"isDefault": True}, headers=editor).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(make_default, ids * 3)) == {200}
    defaults = [l["code"] for l in site.locales() if l["isDefault"]]
    assert len(defaults) == 1 and defaults[0] in ("xa", "xb", "xc", "xd")
    assert site.service()["default"] == defaults[0]
    site.http.put(f"{LOCALES}/{site.by_code('en')['id']}", json={"isDefault": True}, headers=editor)
    for locale_id in ids:
        assert site.http.delete(f"{LOCALES}/{locale_id}", headers=editor).status_code == 200
    assert site.service()["default"] == "en"
