"""Nested components, private fields inside components, and a zone's min/max/required (issue 15)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.helpers.project import collection, make_project, serving, write_schema

COMPONENTS: dict[str, dict[str, Any]] = {
    "page.link": {"label": {"type": "string", "required": True}, "url": {"type": "string"},
                  "clicks": {"type": "integer", "min": 0}, "note": {"type": "string", "private": True}},
    "page.hero": {"title": {"type": "string"}, "published": {"type": "date"},
                  "cta": {"type": "component", "component": "page.link"},
                  "links": {"type": "component", "component": "page.link", "repeatable": True, "min": 1}},
    "page.text": {"body": {"type": "text"}, "flag": {"type": "boolean", "default": False}},
}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    root = make_project(tmp_path_factory.mktemp("nested") / "project", builtin_types=False)
    for uid, attributes in COMPONENTS.items():
        category, name = uid.split(".")
        path = root / "components" / category / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"collectionName": f"components_{category}_{name}s",
                                    "info": {"displayName": name}, "attributes": attributes}))
    write_schema(root, "landing", collection("landing", "landings", {
        "name": {"type": "string"},
        "hero": {"type": "component", "component": "page.hero", "required": True},
        "sections": {"type": "dynamiczone", "components": ["page.text", "page.link"], "min": 1, "max": 2},
    }))
    with serving(root) as server, httpx.Client(base_url=server.url + "/api", timeout=10) as client:
        yield client


HERO = {"title": "Hi", "published": "2024-05-01", "cta": {"label": "Go", "url": "/go", "note": "secret"},
        "links": [{"label": "One", "clicks": 3, "note": "hidden"}, {"label": "Two", "clicks": 7}]}


def post(api: httpx.Client, data: dict[str, Any], query: str = "") -> httpx.Response:
    return api.post(f"/landings{query}", json={"data": data})


def test_nested_components_are_stored_and_populated_by_level(api: httpx.Client) -> None:
    answer = post(api, {"name": "Nested", "hero": HERO, "sections": [{"__component": "page.text", "body": "b"}]})
    assert answer.status_code == 201, answer.text
    doc_id = answer.json()["data"]["documentId"]
    one_level = api.get(f"/landings/{doc_id}?populate=*").json()["data"]
    assert one_level["hero"] == {"id": 1, "title": "Hi", "published": "2024-05-01"}
    assert one_level["sections"] == [{"__component": "page.text", "id": 1, "body": "b", "flag": False}]
    deep = api.get(f"/landings/{doc_id}?populate[hero][populate][cta]=true&populate[hero][populate][links]=*")
    hero = deep.json()["data"]["hero"]
    assert hero["cta"] == {"id": 2, "label": "Go", "url": "/go", "clicks": None}  # private "note" never leaves
    assert [link["label"] for link in hero["links"]] == ["One", "Two"]
    assert all("note" not in link for link in hero["links"])
    assert len({1, hero["cta"]["id"], *(link["id"] for link in hero["links"])}) == 4  # unique in the attribute
    dotted = api.get(f"/landings/{doc_id}?populate[0]=hero.cta").json()["data"]["hero"]
    assert dotted["cta"]["label"] == "Go" and "links" not in dotted
    # update a nested item by id: kept id, other fields kept
    links = hero["links"]
    updated = api.put(f"/landings/{doc_id}?populate[hero][populate][0]=links", json={"data": {"hero": {
        "id": 1, "links": [{"id": links[1]["id"], "clicks": 8}, {"label": "Three"}]}}})
    assert updated.status_code == 200, updated.text
    new_links = updated.json()["data"]["hero"]["links"]
    assert new_links[0] == {"id": links[1]["id"], "label": "Two", "url": None, "clicks": 8}
    assert new_links[1]["label"] == "Three" and new_links[1]["id"] > max(link["id"] for link in links)
    assert updated.json()["data"]["hero"]["title"] == "Hi"


def test_filters_reach_nested_components(api: httpx.Client) -> None:
    assert post(api, {"name": "Filtered", "hero": {**HERO, "cta": {"label": "Deep"}},
                      "sections": [{"__component": "page.link", "label": "L"}]}).status_code == 201

    def names(query: str) -> list[str]:
        answer = api.get(f"/landings?fields[0]=name&{query}")
        assert answer.status_code == 200, answer.text
        return [d["name"] for d in answer.json()["data"]]

    assert names("filters[hero][cta][label][$eq]=Deep") == ["Filtered"]
    assert "Filtered" in names("filters[hero][links][clicks][$gt]=5")
    assert names("filters[hero][links][clicks][$gt]=100") == []
    assert "Filtered" in names("filters[hero][published][$eq]=2024-05-01")
    assert names("sort=hero.cta.label:desc")[0] == "Nested"
    for query in ("filters[hero][cta][note][$eq]=secret", "populate[hero][fields][0]=note",
                  "populate[hero][populate][cta][fields][0]=note", "filters[hero][links][clicks][$gt]=x"):
        assert api.get(f"/landings?{query}").status_code == 400, query


def test_required_min_max_and_private_values_in_errors(api: httpx.Client) -> None:
    answer = post(api, {"name": "Bad", "sections": []})
    paths = {tuple(e["path"]): e for e in answer.json()["error"]["details"]["errors"]}
    assert answer.status_code == 400
    assert paths[("hero",)]["message"] == "hero must be defined."
    assert ("sections",) not in paths  # min applies to a required or non-empty list, as in Strapi
    too_many = post(api, {"hero": HERO, "sections": [{"__component": "page.text"}] * 3})
    assert too_many.status_code == 400 and "at most 2" in too_many.text
    hidden = post(api, {"hero": {**HERO, "cta": {"label": "x", "note": 5}},
                        "sections": [{"__component": "page.link", "label": "L", "clicks": -1}]})
    errors = {tuple(e["path"]): e for e in hidden.json()["error"]["details"]["errors"]}
    assert errors[("hero", "cta", "note")]["value"] is None  # a private value is never echoed
    assert errors[("sections", 0, "clicks")]["message"] == "clicks must be greater than or equal to 0"
    nested_min = post(api, {"hero": {**HERO, "links": []}, "sections": [{"__component": "page.text"}]})
    assert nested_min.status_code == 201, nested_min.text  # min applies to a non-empty or required list
