"""Components inside components in the admin's forms (issue 15, item 5), in headless Chromium.

A page with a ``menu`` component holding a repeatable ``links`` component
(``max`` 3), and a ``sections`` dynamic zone whose items are menus too: links
added inside the menu and inside a zone item, saved; reordered, with their ids
kept; a missing required field two levels down shown beside that input.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.admin.conftest import AdminProject, admin_tab, serving_admin, t
from tests.helpers.project import make_project

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
LINK = {"collectionName": "components_nav_links", "info": {"displayName": "Link"}, "options": {},
        "attributes": {"label": {"type": "string", "required": True}, "url": {"type": "string"},
                       "external": {"type": "boolean", "default": False}}}
MENU = {"collectionName": "components_nav_menus", "info": {"displayName": "Menu"}, "options": {},
        "attributes": {"title": {"type": "string"},
                       "links": {"type": "component", "repeatable": True, "component": "nav.link", "max": 3}}}
PAGE = {"kind": "collectionType", "collectionName": "pages",
        "info": {"singularName": "page", "pluralName": "pages", "displayName": "Page"},
        "options": {"draftAndPublish": False},
        "attributes": {"name": {"type": "string", "required": True},
                       "menu": {"type": "component", "repeatable": False, "component": "nav.menu"},
                       "sections": {"type": "dynamiczone", "components": ["nav.menu", "nav.link"]}}}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminProject]:
    root = make_project(tmp_path_factory.mktemp("admin-nested") / "project", builtin_types=False,
                        plugins_toml='[admin]\nmodule = "admin"\n')
    for path, schema in (("components/nav/link.json", LINK), ("components/nav/menu.json", MENU),
                         ("content_types/page/schema.json", PAGE)):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(json.dumps(schema))
    with serving_admin(root) as project:
        yield project


@pytest.fixture(scope="module")
def page(project: AdminProject, browser: Any) -> Iterator[Any]:
    project.first_admin()  # the setup page makes root, whom the tab signs in as
    with admin_tab(browser, project.url) as tab:
        yield tab


def read(project: AdminProject) -> dict[str, Any]:
    answer = httpx.get(f"{project.url}/api/pages", params={
        "populate[menu][populate][0]": "links", "populate[sections][on][nav.menu][populate][0]": "links"}, timeout=10)
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["data"][0])


def test_components_inside_components(page: Any, project: AdminProject) -> None:
    page.goto("/admin/page/create")
    page.fill("#name", "Home")
    page.click(t("cms-add-menu"))
    page.fill(t("cms-input-menu.title"), "Main")
    for index, label in enumerate(("Docs", "Blog", "About")):
        page.click(t("cms-add-menu.links"))
        page.fill(t(f"cms-input-menu.links.{index}.label"), label)
    expect(page.locator(t("cms-add-menu.links"))).to_be_disabled()  # max 3
    page.check(t("cms-input-menu.links.2.external"))
    page.select_option(t("cms-kind-sections"), "nav.menu")
    page.click(t("cms-add-sections"))
    page.fill(t("cms-input-sections.0.title"), "Footer")
    page.click(t("cms-add-sections.0.links"))
    page.fill(t("cms-input-sections.0.links.0.label"), "Legal")
    page.click("button[name=_continue_editing]")
    page.wait_for_url(re.compile(r".*/admin/page/edit\?pk=\d+"))

    saved = read(project)
    assert [link["label"] for link in saved["menu"]["links"]] == ["Docs", "Blog", "About"]
    assert [link["external"] for link in saved["menu"]["links"]] == [False, False, True]
    assert saved["sections"][0]["title"] == "Footer" and saved["sections"][0]["links"][0]["label"] == "Legal"

    page.click(t("cms-up-menu.links.2"))
    page.click(t("cms-remove-menu.links.0"))
    page.click("button[name=_continue_editing]")
    page.wait_for_load_state()
    after = read(project)
    ids = {link["label"]: link["id"] for link in saved["menu"]["links"]}
    assert [(link["label"], link["id"]) for link in after["menu"]["links"]] == [("About", ids["About"]),
                                                                                ("Blog", ids["Blog"])]
    assert after["sections"][0]["links"][0]["id"] == saved["sections"][0]["links"][0]["id"]

    page.click(t("cms-add-sections.0.links"))
    page.fill(t("cms-input-sections.0.links.1.url"), "/nowhere")
    page.click("button[name=_continue_editing]")
    page.wait_for_load_state()
    expect(page.locator(t("cms-error-sections.0.links.1.label"))).to_have_text("label must be defined.")
    assert read(project) == after, "nothing saved"
