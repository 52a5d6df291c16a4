"""``cms generate component <category>.<name>`` writes a component that loads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cms.cli.main import main
from cms.content import discover, load_registry
from tests.helpers.project import collection, write_schema


def generate(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["--project", str(root), "generate", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_a_generated_component_loads_and_is_usable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = generate(tmp_path, capsys, "component", "shared.rich-text")
    assert status == 0
    path = tmp_path / "components" / "shared" / "rich-text.json"
    assert str(path) in out
    schema = json.loads(path.read_text())
    assert schema["collectionName"] == "components_shared_rich_texts"
    assert schema["info"]["displayName"] == "Rich text"
    write_schema(tmp_path, "page", collection("page", "pages", {
        "body": {"type": "component", "component": "shared.rich-text"}}))
    registry = load_registry(discover(tmp_path / "content_types"), tmp_path)
    assert "title" in registry.component("shared.rich-text").attributes


@pytest.mark.parametrize("uid", ["seo", "Shared.seo", "shared.", "a.b.c", "shared.Seo"])
def test_bad_names_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], uid: str) -> None:
    status, _, err = generate(tmp_path, capsys, "component", uid)
    assert status == 1 and "invalid component" in err
    assert not (tmp_path / "components").exists()


def test_an_existing_component_is_not_overwritten(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert generate(tmp_path, capsys, "component", "shared.seo")[0] == 0
    status, _, err = generate(tmp_path, capsys, "component", "shared.seo")
    assert status == 1 and "already exists" in err
