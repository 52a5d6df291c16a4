"""Components load from ``components/<category>/<name>.json``; what Strapi forbids is refused by file and attribute."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from cms.content import SchemaError, discover, load_registry
from tests.helpers.project import REPO, collection, write_schema

PROJECT = Path(__file__).resolve().parents[2] / "projects" / "components"
UPLOAD = {"upload": REPO / "plugins" / "upload"}


def write_component(root: Path, uid: str, attributes: dict[str, Any], **extra: Any) -> None:
    category, name = uid.split(".")
    path = root / "components" / category / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"collectionName": f"components_{category}_{name}", "info": {"displayName": name},
                                "attributes": attributes, **extra}))


def problems_of(root: Path, plugins: dict[str, Path] | None = None) -> list[str]:
    with pytest.raises(SchemaError) as caught:
        load_registry(discover(root / "content_types", plugins), root)
    return [str(p) for p in caught.value.problems]


def test_the_strapi_blog_example_loads_unchanged() -> None:
    registry = load_registry(discover(PROJECT / "content_types", UPLOAD), PROJECT)
    assert set(registry.components) == {"shared.seo", "shared.faq", "shared.quote", "shared.rich-text",
                                        "shared.related-article"}
    article = registry.get("api::article.article")
    seo, faqs, blocks = (article.attributes[n] for n in ("seo", "faqs", "blocks"))
    assert (seo.component, seo.repeatable, seo.is_list, seo.is_scalar) == ("shared.seo", False, False, False)
    assert (faqs.component, faqs.repeatable, faqs.max) == ("shared.faq", True, 5)
    assert blocks.components == ("shared.quote", "shared.rich-text", "shared.related-article")
    assert registry.component("shared.seo").attributes["shareImage"].target == "plugin::upload.file"
    assert registry.component("shared.related-article").attributes["article"].target == "api::article.article"
    assert registry.component("shared.rich-text").display_name == "Rich text"
    assert [ct.uid for ct in registry] == ["api::article.article", "plugin::upload.file"]  # no table, no route


def test_a_plugins_components_load_too(tmp_path: Path) -> None:
    plugin = tmp_path / "plugins" / "shop"
    write_component(plugin, "shop.price", {"amount": {"type": "decimal"}})
    write_schema(tmp_path, "item", collection("item", "items", {"price": {"type": "component", "component": "shop.price"}}))
    registry = load_registry(discover(tmp_path / "content_types", {"shop": plugin}), tmp_path)
    assert registry.component("shop.price").plugin == "shop"


@pytest.mark.parametrize(("attributes", "components", "expected"), [
    ({"seo": {"type": "component", "component": "shared.nope"}}, {},
     'content_types/page/schema.json: attribute "seo": component "shared.nope" does not exist'),
    ({"blocks": {"type": "dynamiczone", "components": ["shared.a", "shared.gone"]}}, {"shared.a": {}},
     'attribute "blocks": component "shared.gone" does not exist'),
    ({"seo": {"type": "component"}}, {}, 'attribute "seo": component needs "component"'),
    ({"blocks": {"type": "dynamiczone", "components": []}}, {}, 'dynamiczone needs "components"'),
    ({"seo": {"type": "component", "component": "shared.a", "repeatable": "yes"}}, {"shared.a": {}},
     '"repeatable" must be true or false'),
    ({"faqs": {"type": "component", "component": "shared.a", "repeatable": True, "max": -1}}, {"shared.a": {}},
     '"max" must be a non-negative integer'),
    ({"seo": {"type": "component", "component": "shared.a"}},
     {"shared.a": {"zone": {"type": "dynamiczone", "components": ["shared.b"]}}, "shared.b": {}},
     'components/shared/a.json: attribute "zone": a dynamic zone cannot be inside a component'),
    ({"seo": {"type": "component", "component": "shared.a"}},
     {"shared.a": {"b": {"type": "component", "component": "shared.b"}},
      "shared.b": {"a": {"type": "component", "component": "shared.a"}}},
     "components cannot contain themselves: shared.a → shared.b → shared.a"),
    ({"seo": {"type": "component", "component": "shared.a"}},
     {"shared.a": {"page": {"type": "relation", "relation": "manyToOne", "target": "api::page.page",
                            "inversedBy": "x"}}},
     'components/shared/a.json: attribute "page": a relation inside a component is one-way'),
    ({"seo": {"type": "component", "component": "shared.a"}},
     {"shared.a": {"who": {"type": "relation", "relation": "oneWay", "target": "api::ghost.ghost"}}},
     'components/shared/a.json: attribute "who": relation target "api::ghost.ghost" does not exist'),
    ({"seo": {"type": "component", "component": "shared.a"}}, {"shared.a": {"id": {"type": "string"}}},
     'attribute "id": name is reserved inside a component'),
])
def test_broken_components_are_reported_with_file_and_attribute(
        tmp_path: Path, attributes: dict[str, Any], components: dict[str, dict[str, Any]], expected: str) -> None:
    write_schema(tmp_path, "page", collection("page", "pages", {"title": {"type": "string"}, **attributes}))
    for uid, attrs in components.items():
        write_component(tmp_path, uid, attrs)
    found = problems_of(tmp_path)
    assert any(expected in problem for problem in found), found


def test_component_files_must_be_named_in_kebab_case(tmp_path: Path) -> None:
    write_schema(tmp_path, "page", collection("page", "pages", {"title": {"type": "string"}}))
    write_component(tmp_path, "Shared.seo", {})
    assert any("must be kebab-case" in p for p in problems_of(tmp_path))


def test_the_example_project_is_a_copy_of_itself(tmp_path: Path) -> None:
    """Copied anywhere (as the REST tests do), the example still loads."""
    shutil.copytree(PROJECT, tmp_path / "copy")
    root = tmp_path / "copy"
    assert len(load_registry(discover(root / "content_types", UPLOAD), root).components) == 5
