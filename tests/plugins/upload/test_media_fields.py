"""Media attributes of other types, as Strapi v5 has them: entries reference files by numeric id,
media are shown only when populated (an object or null, or an ordered array with ``multiple``),
``fields`` and ``filters`` reach into them, ``allowedTypes`` is enforced on every write, deleting a
file unlinks it everywhere and deleting an entry leaves its files alone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers.project import collection
from tests.plugins.upload.support import Project, bearer, error, files, image, serve

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ARTICLE = collection("article", "articles", {
    "title": {"type": "string"},
    "cover": {"type": "media", "multiple": False, "allowedTypes": ["images"]},
    "gallery": {"type": "media", "multiple": True, "allowedTypes": ["images", "files"]},
    "anything": {"type": "media", "multiple": True},
})


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    with serve(tmp_path_factory.mktemp("media"), types={"article": ARTICLE}) as project:
        yield project


@pytest.fixture(scope="module")
def admin(up: Project) -> dict[str, str]:
    return bearer(up.api_token("full-access"))


def uploaded(up: Project, admin: dict[str, str], name: str, content: bytes) -> dict[str, Any]:
    answer = up.http.post("/api/upload", headers=admin, files=files((name, content)))
    assert answer.status_code == 201, answer.text
    return dict(answer.json()[0])


def article(up: Project, admin: dict[str, str], **data: Any) -> dict[str, Any]:
    answer = up.http.post("/api/articles", headers=admin, json={"data": {"title": "t", **data}})
    assert answer.status_code == 201, answer.text
    return dict(answer.json()["data"])


def read(up: Project, admin: dict[str, str], document_id: str, **params: Any) -> dict[str, Any]:
    answer = up.http.get(f"/api/articles/{document_id}", headers=admin, params=params)
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["data"])


def test_media_are_referenced_by_id_and_shown_only_when_populated(up: Project, admin: dict[str, str]) -> None:
    hero, doc, pic = (uploaded(up, admin, "hero.png", image(300, 200)), uploaded(up, admin, "doc.pdf", PDF),
                      uploaded(up, admin, "pic.jpg", image(50, 50, "JPEG")))
    created = article(up, admin, cover=hero["id"], gallery=[pic["id"], hero["id"], doc["id"]])
    assert "cover" not in created and "gallery" not in created
    plain = read(up, admin, created["documentId"])
    assert "cover" not in plain and "gallery" not in plain
    full = read(up, admin, created["documentId"], populate="*")
    assert full["cover"]["id"] == hero["id"] and full["cover"]["url"] == hero["url"]
    assert full["cover"]["mime"] == "image/png" and full["cover"]["width"] == 300
    assert [f["id"] for f in full["gallery"]] == [pic["id"], hero["id"], doc["id"]]  # in the order given
    assert full["anything"] == []
    for shown in (full["cover"], *full["gallery"]):
        assert "uploaderId" not in shown  # who uploaded a file is private
    narrow = read(up, admin, created["documentId"], **{"populate[gallery][fields][0]": "url"})
    assert all(set(f) == {"id", "documentId", "url"} for f in narrow["gallery"]), narrow
    # set rewrites the order, connect appends (as Strapi keeps relation order)
    reorder = up.http.put(f"/api/articles/{created['documentId']}", headers=admin,
                          json={"data": {"gallery": [doc["id"], pic["id"]]}})
    assert reorder.status_code == 200, reorder.text
    assert [f["id"] for f in read(up, admin, created["documentId"], populate="gallery")["gallery"]] == [
        doc["id"], pic["id"]]
    up.http.put(f"/api/articles/{created['documentId']}", headers=admin,
                json={"data": {"gallery": {"connect": [hero["id"]]}}})
    assert [f["id"] for f in read(up, admin, created["documentId"], populate="gallery")["gallery"]] == [
        doc["id"], pic["id"], hero["id"]]
    # a single media is null when empty, connect/set forms work too
    other = article(up, admin, gallery={"connect": [{"id": doc["id"]}]})
    shown = read(up, admin, other["documentId"], populate="*")
    assert shown["cover"] is None and [f["id"] for f in shown["gallery"]] == [doc["id"]]


def test_filters_reach_into_media(up: Project, admin: dict[str, str]) -> None:
    hero = uploaded(up, admin, "findme.png", image(40, 40))
    wanted = article(up, admin, title="with", gallery=[hero["id"]])
    article(up, admin, title="without")
    answer = up.http.get("/api/articles", headers=admin, params={"filters[gallery][name][$eq]": "findme.png"})
    assert [d["documentId"] for d in answer.json()["data"]] == [wanted["documentId"]], answer.text
    nobody = up.http.get("/api/articles", headers=admin, params={"filters[gallery][name][$eq]": "nope.png"})
    assert nobody.json()["data"] == []
    private = up.http.get("/api/articles", headers=admin, params={"filters[gallery][uploaderId][$eq]": "1"})
    assert error(private)[:2] == (400, "ValidationError")


def test_allowed_types_are_enforced_on_create_and_update(up: Project, admin: dict[str, str]) -> None:
    doc, pic = uploaded(up, admin, "terms.pdf", PDF), uploaded(up, admin, "face.png", image(30, 30))
    refused = up.http.post("/api/articles", headers=admin, json={"data": {"cover": doc["id"]}})
    status, name, message = error(refused)
    assert (status, name) == (400, "ValidationError") and "cover accepts only images" in message
    assert refused.json()["error"]["details"]["errors"][0]["path"] == ["cover"]
    created = article(up, admin, cover=pic["id"], anything=[doc["id"], pic["id"]])  # no allowedTypes: any file
    changed = up.http.put(f"/api/articles/{created['documentId']}", headers=admin,
                          json={"data": {"cover": {"connect": [doc["documentId"]]}}})
    assert error(changed)[:2] == (400, "ValidationError")
    assert read(up, admin, created["documentId"], populate="cover")["cover"]["id"] == pic["id"]  # unchanged
    missing = up.http.post("/api/articles", headers=admin, json={"data": {"cover": 2**31 - 1}})
    assert error(missing)[:2] == (400, "ValidationError")  # the core: Document with id … not found


def test_deleting_a_file_unlinks_it_and_deleting_an_entry_keeps_its_files(up: Project,
                                                                             admin: dict[str, str]) -> None:
    shared, kept = uploaded(up, admin, "shared.png", image(60, 60)), uploaded(up, admin, "kept.png", image(60, 60))
    first = article(up, admin, cover=shared["id"], gallery=[shared["id"], kept["id"]])
    second = article(up, admin, cover=shared["id"])
    assert up.http.delete(f"/api/upload/files/{shared['id']}", headers=admin).status_code == 200
    after = read(up, admin, first["documentId"], populate="*")
    assert after["cover"] is None and [f["id"] for f in after["gallery"]] == [kept["id"]]
    assert read(up, admin, second["documentId"], populate="*")["cover"] is None
    assert up.http.delete(f"/api/articles/{first['documentId']}", headers=admin).status_code == 204
    still = up.http.get(f"/api/upload/files/{kept['id']}", headers=admin)
    assert still.status_code == 200 and up.http.get(still.json()["url"]).status_code == 200
