"""The layers of DESIGN.md §1, checked on the source: who may import whom.

* ``cms/`` is the framework: it imports no plugin and no admin code (plugins,
  built-in or project-local, are found at start-up from ``config/plugins.toml``).
* ``cms/content`` (schemas) and ``cms/query`` (the query language) sit below the
  serving layers: they import nothing from the REST layer, the composition root
  or the CLI, so the admin, realtime and permissions can reuse them.

Imports are read with :mod:`ast` (including those inside functions and under
``TYPE_CHECKING``), never executed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

CMS = Path(__file__).resolve().parents[1] / "cms"

#: packages outside the framework: built-in plugins, the admin, project plugins
OUTSIDE_FRAMEWORK = ("plugins", "admin", "cms_project_plugins")
#: layers above cms/content and cms/query
SERVING_LAYERS = ("cms.rest", "cms.app", "cms.cli")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(CMS.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import in ``path``.

    ``from x import y`` yields ``x.y`` as well as ``x``, since ``y`` may be a
    module; relative imports are resolved against the file's package.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            yield node.lineno, module
            for alias in node.names:
                yield node.lineno, f"{module}.{alias.name}"


def is_within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def violations(files: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(CMS.parent)}:{line} imports {module}"
        for path in files
        for line, module in imported_modules(path)
        if is_within(module, forbidden)
    ]


def sources(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def test_the_import_walker_sees_real_imports() -> None:
    """Guard against a vacuous pass: the walker finds imports we know exist."""
    app_imports = {module for _, module in imported_modules(CMS / "app.py")}
    assert "cms.plugins" in app_imports  # the plugin API, not the plugins package
    assert "cms.plugins.load_plugins" in app_imports
    assert "sanic" in app_imports
    assert len(sources(CMS)) > 20


def test_the_framework_imports_no_plugin_and_no_admin_code() -> None:
    assert violations(sources(CMS), OUTSIDE_FRAMEWORK) == []


@pytest.mark.parametrize("layer", ["content", "query"])
def test_content_and_query_do_not_import_the_serving_layers(layer: str) -> None:
    files = sources(CMS / layer)
    assert files, f"cms/{layer} has no Python files"
    assert violations(files, SERVING_LAYERS) == []


def test_the_admin_uses_plugins_only_through_their_services() -> None:
    """``admin/`` reaches a plugin through ``app.service(name)`` (users_permissions, upload, realtime),
    never by importing the plugin's modules: a plugin's internals can change without the admin."""
    files = sources(CMS.parent / "admin")
    assert len(files) > 10
    assert violations(files, ("plugins",)) == []


BUILTIN_PLUGINS = sorted(p.parent.name for p in (CMS.parent / "plugins").glob("*/__init__.py"))


def test_the_builtin_plugins_are_found() -> None:
    assert {"users_permissions", "upload", "realtime", "assistant", "i18n"} <= set(BUILTIN_PLUGINS)


@pytest.mark.parametrize("plugin", BUILTIN_PLUGINS)
def test_no_plugin_imports_another_plugins_modules(plugin: str) -> None:
    """Plugins talk through the app (``app.service``, ``app.identity``), not each other's modules."""
    others = tuple(f"plugins.{name}" for name in BUILTIN_PLUGINS if name != plugin)
    files = sources(CMS.parent / "plugins" / plugin)
    assert files
    assert violations(files, others) == []
