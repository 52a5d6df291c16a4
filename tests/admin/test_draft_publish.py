"""Draft & publish in the admin (admin/drafts.py), on tests/projects/draft_publish.

``article`` and ``author`` have draft & publish, ``category`` has not. REST is
open (no users_permissions) and reads published versions unless told
``status=draft``, so it shows what the admin's buttons did to each version.

In headless Chromium: an article saved as a draft (REST: 404, ``status=draft``
shows it), published (REST shows it, the list says *Published*), changed and
saved (the list says *Modified*, REST still serves the published values, the
edit view says it was modified since publish), its changes discarded (back
to *Published* and the old values), unpublished (REST 404, *Draft*); an
article created with *Publish* at once. Over plain HTTP: publishing a slug
that another published article holds is refused beside the field, the form
keeping what was typed and nothing published; the status filter over 26
authors on pages of 10 (the right rows on every page, and the count); bulk
delete removes every version; a type without draft & publish has no status
column, filter or publish buttons. Screenshots of the list with its status
column and of the edit view with its buttons go to ``.tmp/screenshots/``.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.admin.conftest import AdminProject, Session, serving_admin, t
from tests.helpers.project import REPO

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
PROJECT = REPO / "tests" / "projects" / "draft_publish"
PLUGINS = """\
[admin]
module = "admin"
title = "Draft & publish CMS"
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminProject]:
    root = tmp_path_factory.mktemp("admin-draft-publish") / "project"
    shutil.copytree(PROJECT, root)
    (root / "config" / "plugins.toml").write_text(PLUGINS)
    with serving_admin(root) as project:
        yield project


@pytest.fixture(scope="module")
def root(project: AdminProject) -> Session:
    return project.first_admin()


def draft_of(api: httpx.Client, plural: str, **filters: str) -> dict[str, Any]:
    """The one draft matching ``filters`` (``slug="x"``), through REST."""
    params = {f"filters[{k}][$eq]": v for k, v in filters.items()}
    answer = api.get(f"/{plural}", params={**params, "status": "draft"})
    assert answer.status_code == 200, answer.text
    found = answer.json()["data"]
    assert len(found) == 1, found
    return dict(found[0])


def pk_in_url(page: Any) -> int:
    match = re.search(r"[?&]pk=(\d+)", page.url)
    assert match, page.url
    return int(match.group(1))


def list_status(page: Any, pk: int) -> str:
    """The status cell of row ``pk`` on the article list."""
    page.goto("/admin/article/list?page_size=100")
    return str(page.locator(f'tr[data-sa-pk="{pk}"] td[data-column="publicationStatus"]').inner_text().strip())


def statuses_on(html: str) -> list[str]:
    return re.findall(r'data-testid="status" data-status="(\w+)"', html)


# -- the life of one article, in the browser -------------------------------------------


def test_save_publish_modify_discard_unpublish(page: Any, api: httpx.Client, screenshots: Path) -> None:
    # Save: a draft only
    page.goto("/admin/article/create")
    expect(page.locator(t("publish"))).to_have_text("Publish")
    expect(page.locator(t("unpublish"))).to_have_count(0)
    page.fill("#title", "Spring issue")
    page.fill("#slug", "spring-issue")
    page.fill("#body", "First words")
    page.click(t("save-draft"))
    page.wait_for_url("**/admin/article/edit?pk=*")
    pk = pk_in_url(page)
    expect(page.locator(f'{t("status-line")} {t("status")}')).to_have_text("Draft")
    expect(page.locator(t("unpublish"))).to_have_count(0)
    expect(page.locator(t("discard"))).to_have_count(0)
    draft = draft_of(api, "articles", slug="spring-issue")
    doc = draft["documentId"]
    assert draft["id"] == pk and draft["title"] == "Spring issue" and draft["publishedAt"] is None
    assert api.get(f"/articles/{doc}").status_code == 404
    shown = api.get(f"/articles/{doc}", params={"status": "draft"})
    assert shown.status_code == 200 and shown.json()["data"]["body"] == "First words"
    assert list_status(page, pk) == "Draft"

    # Publish: the published version is the draft
    page.goto(f"/admin/article/edit?pk={pk}")
    page.click(t("publish"))
    page.wait_for_url(f"**/admin/article/edit?pk={pk}")
    expect(page.locator(f'{t("status-line")} {t("status")}')).to_have_text("Published")
    published = api.get(f"/articles/{doc}")
    assert published.status_code == 200, published.text
    assert published.json()["data"]["title"] == "Spring issue"
    assert published.json()["data"]["body"] == "First words"
    assert published.json()["data"]["publishedAt"] is not None
    assert list_status(page, pk) == "Published"

    # Save a change: Modified; REST still serves the published values
    page.goto(f"/admin/article/edit?pk={pk}")
    page.fill("#title", "Spring issue, revised")
    page.fill("#body", "Second words")
    page.click(t("save-draft"))
    page.wait_for_url(f"**/admin/article/edit?pk={pk}")
    expect(page.locator(f'{t("status-line")} {t("status")}')).to_have_text("Modified")
    expect(page.locator(t("modified-since-publish"))).to_contain_text("Modified since it was last published")
    expect(page.locator(t("unpublish"))).to_be_visible()
    expect(page.locator(t("discard"))).to_be_visible()
    expect(page.locator("#title")).to_have_value("Spring issue, revised")
    page.screenshot(path=str(screenshots / "draft-publish-edit-modified.png"), full_page=True)
    served = api.get(f"/articles/{doc}").json()["data"]
    assert (served["title"], served["body"]) == ("Spring issue", "First words")
    edited = api.get(f"/articles/{doc}", params={"status": "draft"}).json()["data"]
    assert (edited["title"], edited["body"]) == ("Spring issue, revised", "Second words")
    assert list_status(page, pk) == "Modified"
    expect(page.locator('th[data-column="publicationStatus"]')).to_contain_text("Status")

    # Discard changes: back to the published values, Published
    page.goto(f"/admin/article/edit?pk={pk}")
    page.click(t("discard"))
    page.wait_for_url(f"**/admin/article/edit?pk={pk}")
    expect(page.locator(".alert-success")).to_contain_text("were discarded")
    expect(page.locator(f'{t("status-line")} {t("status")}')).to_have_text("Published")
    expect(page.locator("#title")).to_have_value("Spring issue")
    expect(page.locator("#body")).to_have_value("First words")
    expect(page.locator(t("discard"))).to_have_count(0)
    back = api.get(f"/articles/{doc}", params={"status": "draft"}).json()["data"]
    assert (back["title"], back["body"]) == ("Spring issue", "First words")
    assert api.get(f"/articles/{doc}").json()["data"]["title"] == "Spring issue"
    assert list_status(page, pk) == "Published"

    # Unpublish: REST 404, the draft stays, Draft
    page.goto(f"/admin/article/edit?pk={pk}")
    page.click(t("unpublish"))
    page.wait_for_url(f"**/admin/article/edit?pk={pk}")
    expect(page.locator(".alert-success")).to_contain_text("was unpublished")
    expect(page.locator(f'{t("status-line")} {t("status")}')).to_have_text("Draft")
    expect(page.locator(t("unpublish"))).to_have_count(0)
    assert api.get(f"/articles/{doc}").status_code == 404
    kept = api.get(f"/articles/{doc}", params={"status": "draft"})
    assert kept.status_code == 200 and kept.json()["data"]["title"] == "Spring issue"
    assert list_status(page, pk) == "Draft"


def test_create_with_publish_publishes_at_once(page: Any, api: httpx.Client) -> None:
    page.goto("/admin/article/create")
    page.fill("#title", "Straight out")
    page.fill("#slug", "straight-out")
    page.click(t("publish"))
    page.wait_for_url("**/admin/article/edit?pk=*")
    pk = pk_in_url(page)
    expect(page.locator(f'{t("status-line")} {t("status")}')).to_have_text("Published")
    draft = draft_of(api, "articles", slug="straight-out")
    assert draft["id"] == pk  # the admin goes on with the draft
    published = api.get(f"/articles/{draft['documentId']}")
    assert published.status_code == 200 and published.json()["data"]["title"] == "Straight out"
    assert list_status(page, pk) == "Published"


# -- over plain HTTP ---------------------------------------------------------------------


def test_publishing_a_slug_taken_among_published_entries_is_refused_beside_the_field(
        root: Session, api: httpx.Client) -> None:
    holder = api.post("/articles", json={"data": {"title": "Holder", "slug": "taken"}})
    assert holder.status_code == 201, holder.text
    holder_doc = holder.json()["data"]["documentId"]
    # the holder's draft moves to another slug: "taken" is free among drafts, not among published rows
    moved = api.put(f"/articles/{holder_doc}", params={"status": "draft"}, json={"data": {"slug": "moved-on"}})
    assert moved.status_code == 200, moved.text
    created = root.submit("/admin/article/create", {"title": "Newcomer", "slug": "taken", "body": "",
                                                     "_continue_editing": "save"})
    assert created.status_code == 303, created.text[:2000]
    pk = int(re.search(r"pk=(\d+)", created.headers["location"]).group(1))  # type: ignore[union-attr]
    refused = root.submit(f"/admin/article/edit?pk={pk}", {"title": "Newcomer, typed", "slug": "taken",
                                                            "body": "typed body", "_continue_editing": "publish"})
    assert refused.status_code == 422, refused.text[:2000]
    assert "This attribute must be unique" in refused.text
    assert 'value="Newcomer, typed"' in refused.text and "typed body" in refused.text  # nothing typed is lost
    draft = draft_of(api, "articles", slug="taken")
    assert draft["title"] == "Newcomer"  # the refused write changed nothing
    assert api.get(f"/articles/{draft['documentId']}").status_code == 404
    assert api.get(f"/articles/{holder_doc}").json()["data"]["slug"] == "taken"


def test_the_status_filter_filters_the_whole_list(root: Session, api: httpx.Client) -> None:
    expected: dict[str, set[str]] = {"draft": set(), "published": set(), "modified": set()}
    for i in range(12):
        made = api.post("/authors", params={"status": "draft"}, json={"data": {"name": f"Draft author {i:02}"}})
        assert made.status_code == 201, made.text
        expected["draft"].add(made.json()["data"]["documentId"])
    for i in range(11):
        made = api.post("/authors", json={"data": {"name": f"Published author {i:02}"}})
        assert made.status_code == 201, made.text
        expected["published"].add(made.json()["data"]["documentId"])
    for i in range(3):
        made = api.post("/authors", json={"data": {"name": f"Modified author {i:02}"}})
        assert made.status_code == 201, made.text
        doc = made.json()["data"]["documentId"]
        changed = api.put(f"/authors/{doc}", params={"status": "draft"},
                          json={"data": {"name": f"Modified author {i:02}, edited"}})
        assert changed.status_code == 200, changed.text
        expected["modified"].add(doc)
    drafts = api.get("/authors", params={"status": "draft", "pagination[pageSize]": 100}).json()["data"]
    pk_of = {d["documentId"]: d["id"] for d in drafts}
    assert len(pk_of) == 26

    def listed(filter_text: str) -> tuple[list[int], list[str], str]:
        pks: list[int] = []
        badges: list[str] = []
        counts = ""
        for number in (1, 2, 3):
            answer = root.get("/admin/author/list", params={"filter": filter_text, "page_size": 10, "page": number})
            assert answer.status_code == 200, answer.text[:2000]
            pks += [int(p) for p in re.findall(r'<tr data-sa-pk="(\d+)"', answer.text)]
            badges += statuses_on(answer.text)
            if number == 1:
                counts = " ".join(re.search(r"Showing\s+(\d+)\s+to\s+(\d+)\s+of\s+(\d+)", answer.text).groups())  # type: ignore[union-attr]
        return pks, badges, counts

    pks, badges, counts = listed("publicationStatus__in=draft")
    assert sorted(pks) == sorted(pk_of[d] for d in expected["draft"]) and len(pks) == 12
    assert badges == ["draft"] * 12 and counts == "1 10 12"
    pks, badges, counts = listed("publicationStatus__in=published")
    assert sorted(pks) == sorted(pk_of[d] for d in expected["published"]) and len(pks) == 11
    assert badges == ["published"] * 11 and counts == "1 10 11"
    pks, badges, counts = listed("publicationStatus__in=modified")
    assert sorted(pks) == sorted(pk_of[d] for d in expected["modified"])
    assert badges == ["modified"] * 3 and counts == "1 3 3"
    pks, badges, counts = listed("publicationStatus__not_in=draft")
    assert sorted(pks) == sorted(pk_of[d] for d in expected["published"] | expected["modified"])
    assert counts == "1 10 14"
    pks, badges, counts = listed("publicationStatus__in=draft,modified")
    assert sorted(pks) == sorted(pk_of[d] for d in expected["draft"] | expected["modified"])
    assert sorted(badges) == ["draft"] * 12 + ["modified"] * 3 and counts == "1 10 15"
    # with another rule: drafts whose name contains "1"
    pks, badges, counts = listed("publicationStatus__in=draft AND name__contains=1")
    assert sorted(pks) == sorted(pk_of[d] for d in expected["draft"]
                                 if "1" in next(x["name"] for x in drafts if x["documentId"] == d))
    assert badges == ["draft"] * 3 and counts == "1 3 3"  # 01, 10, 11


def test_bulk_delete_removes_every_version(root: Session, api: httpx.Client) -> None:
    made = api.post("/articles", json={"data": {"title": "Doomed", "slug": "doomed"}})
    assert made.status_code == 201, made.text
    doc = made.json()["data"]["documentId"]
    assert api.put(f"/articles/{doc}", params={"status": "draft"},
                   json={"data": {"title": "Doomed, edited"}}).status_code == 200
    pk = draft_of(api, "articles", slug="doomed")["id"]
    deleted = root.action("article", "delete", [pk])
    assert deleted.status_code == 200, deleted.text
    assert api.get(f"/articles/{doc}").status_code == 404
    assert api.get(f"/articles/{doc}", params={"status": "draft"}).status_code == 404


def test_a_type_without_draft_and_publish_is_unchanged(root: Session, api: httpx.Client) -> None:
    listing = root.get("/admin/category/list")
    assert listing.status_code == 200
    assert "publicationStatus" not in listing.text and 'data-testid="status"' not in listing.text
    form = root.get("/admin/category/create")
    assert form.status_code == 200
    assert 'data-testid="publish"' not in form.text and 'data-testid="save-draft"' not in form.text
    assert 'name="_continue_editing"' in form.text and 'name="_add_another"' in form.text
    created = root.submit("/admin/category/create", {"name": "Plain", "_continue_editing": ""})
    assert created.status_code == 303, created.text[:2000]
    pk = int(re.search(r"pk=(\d+)", created.headers["location"]).group(1))  # type: ignore[union-attr]
    edit = root.get(f"/admin/category/edit?pk={pk}")
    assert edit.status_code == 200
    assert 'data-testid="publish"' not in edit.text and 'data-testid="status-line"' not in edit.text
    assert 'name="_add_another"' in edit.text
    found = api.get("/categories", params={"filters[name][$eq]": "Plain"}).json()["data"]
    assert [c["name"] for c in found] == ["Plain"]
    # the article list still has its status column
    assert "publicationStatus" in root.get("/admin/article/list").text


def test_the_list_shows_each_status(page: Any, screenshots: Path) -> None:
    """After the filter test: 26 authors, each status present, the badge in its column."""
    page.goto("/admin/author/list?page_size=25")
    column = page.locator('td[data-column="publicationStatus"]')
    expect(column).to_have_count(25)
    words = {text.strip() for text in column.all_inner_texts()}
    assert words == {"Draft", "Published", "Modified"}
    page.screenshot(path=str(screenshots / "draft-publish-list.png"), full_page=True)
    detail = page.locator('tr[data-sa-pk] td[data-column="publicationStatus"]', has_text="Modified").first
    pk = detail.locator("xpath=..").get_attribute("data-sa-pk")
    page.goto(f"/admin/author/detail?pk={pk}")
    expect(page.locator(t("status"))).to_have_text("Modified")
