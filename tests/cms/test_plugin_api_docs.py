"""docs/plugins.md cannot silently fall behind the plugin API.

Every public method of the objects a plugin is handed (the app, ``Plugin``,
``app.lifecycles``, ``DocumentService``, ``app.identity``, the realtime
service) must appear in the doc with its exact signature, as
:func:`signature_of` renders it; every public attribute of the app as
``app.<name>``, and every field of the lifecycle event, the caller and the
access as ``event.<name>``, ``caller.<name>``, ``access.<name>``. Adding a
method or changing a parameter fails here until the doc says it.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cms.app import CMS
from cms.documents import DocumentService
from cms.lifecycles import LifecycleEvent, Lifecycles
from cms.permissions import Access, Caller, Identity
from cms.plugins import Plugin
from plugins.realtime.service import RealtimeService

DOC = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"
#: the objects a plugin works with, by the name the doc gives them
SURFACE: dict[str, type] = {
    "app": CMS, "Plugin": Plugin, "app.lifecycles": Lifecycles, "DocumentService": DocumentService,
    "app.identity": Identity, "realtime": RealtimeService,
}
FIELDS: dict[str, type] = {"event": LifecycleEvent, "caller": Caller, "access": Access}


class _Shown(str):
    """An annotation as written in the source (``from __future__ import annotations`` keeps text)."""

    def __repr__(self) -> str:
        return str(self)


class _Named:
    """A default that is a module constant (``OPEN``, ``PUBLIC``): shown by its name."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


def signature_of(function: Callable[..., Any]) -> str:
    """``name(params) -> returns`` without ``self``, annotations as written, constants by name."""
    module = vars(sys.modules[function.__module__])
    constants = {id(v): k for k, v in module.items() if k.isupper() and not isinstance(v, (str, int, tuple))}
    signature = inspect.signature(function)
    parameters = []
    for parameter in list(signature.parameters.values())[1:]:  # self
        changes: dict[str, Any] = {}
        if parameter.annotation is not inspect.Parameter.empty:
            changes["annotation"] = _Shown(parameter.annotation)
        if id(parameter.default) in constants:
            changes["default"] = _Named(constants[id(parameter.default)])
        parameters.append(parameter.replace(**changes))
    returns = signature.return_annotation
    shown = signature.replace(parameters=parameters, return_annotation=(
        inspect.Signature.empty if returns is inspect.Signature.empty else _Shown(returns)))
    return f"{function.__name__}{shown}"


def public_members(cls: type) -> Iterator[tuple[str, Any]]:
    """Methods and properties a plugin may call: defined on ``cls`` itself, not private."""
    for name, member in vars(cls).items():
        if name.startswith("_") or not (inspect.isfunction(member) or isinstance(member, property)):
            continue
        yield name, member


def app_attributes() -> list[str]:
    """Public attributes the app sets in ``__init__`` (``self.registry = ...``)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(CMS.__init__)))
    names = []
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        for target in targets:
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                    and target.value.id == "self" and not target.attr.startswith("_"):
                names.append(target.attr)
    return names


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text()


@pytest.mark.parametrize("owner", list(SURFACE))
def test_every_public_method_is_in_the_doc_with_its_signature(doc: str, owner: str) -> None:
    missing = []
    for name, member in public_members(SURFACE[owner]):
        wanted = name if isinstance(member, property) else signature_of(member)
        if wanted not in doc:
            missing.append(wanted)
    assert not missing, f"docs/plugins.md does not show these of {owner} (copy them as written):\n" + "\n".join(missing)


def test_every_public_attribute_of_the_app_is_in_the_doc(doc: str) -> None:
    attributes = app_attributes()
    assert {"registry", "lifecycles", "identity", "reader"} <= set(attributes)
    missing = [name for name in attributes if f"app.{name}" not in doc]
    assert not missing, f"docs/plugins.md does not name these attributes of the app: {missing}"


@pytest.mark.parametrize("owner", list(FIELDS))
def test_every_field_of_the_event_caller_and_access_is_in_the_doc(doc: str, owner: str) -> None:
    cls = FIELDS[owner]
    names = [f.name for f in dataclasses.fields(cls)] + [n for n, _ in public_members(cls)]
    missing = [name for name in names if f"{owner}.{name}" not in doc]
    assert not missing, f"docs/plugins.md does not name these fields of {cls.__name__}: {missing}"


def test_the_signature_rendering() -> None:
    assert signature_of(CMS.provide) == "provide(name: str, service: Any) -> None"
    assert signature_of(DocumentService.find_many).endswith("access: Access = OPEN) -> tuple[list[Document], int | None]")
