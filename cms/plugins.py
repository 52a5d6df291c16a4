"""The plugin API: what a plugin is, and how the enabled ones are found.

A plugin is a package whose ``__init__.py`` exposes ``plugin``, an instance of
:class:`Plugin` (or a subclass). Its content types are declared, like the
app's, in ``<package>/content_types/<name>/schema.json`` and get UIDs
``plugin::<name>.<singularName>``. At start-up the framework calls, in order:

* ``register(app)`` once the models exist: add routes, socket handlers,
  lifecycle subscribers, permission actions, ASGI mounts;
* ``bootstrap(app)`` once the database is connected, before serving;
* ``destroy(app)`` at shutdown, before the database closes.

``app`` is the :class:`cms.app.CMS` object; plugins use only its public
methods, which is all the built-in plugins use too (docs/plugins.md documents
each, with a worked example). Enable a plugin in ``config/plugins.toml``::

    [realtime]                 # found in <project>/plugins/realtime/ or the built-in plugins
    redis_url = ""

    [my_plugin]
    module = "my_package.cms_plugin"   # or any importable module
    enabled = true

A plugin reads its table with ``app.plugin_config(name)``, a
:class:`cms.config.PluginTable` in which ``CMS_PLUGINS_<NAME>_<KEY>`` overrides
are still text; declaring the settings as a dataclass and reading them with
``cms.config.read_settings(ItsConfig, table, name)`` types every key, from the
file or the environment, and refuses unknown ones (see :mod:`cms.config`).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cms.config import ConfigError, PluginTable, Settings, read_settings

if TYPE_CHECKING:
    from cms.app import CMS

#: built-in plugins ship in this package, beside the framework
BUILTIN_PACKAGE = "plugins"
#: project-local plugins are imported under this synthetic package name
PROJECT_PACKAGE = "cms_project_plugins"
RESERVED_KEYS = frozenset({"enabled", "module"})


class Plugin:
    """Base class of plugins; every hook is optional."""

    name: str = ""

    def register(self, app: CMS) -> None:
        """Add routes, handlers, subscribers and actions (database not connected yet)."""

    async def bootstrap(self, app: CMS) -> None:
        """Seed data or start background work (database connected)."""

    async def destroy(self, app: CMS) -> None:
        """Stop background work (database still connected)."""

    def add_commands(self, commands: Any) -> None:
        """Add ``cms`` sub-commands to the argparse sub-parsers ``commands``.

        A command that needs the database runs through :func:`cms.cli.context.with_app`.
        """


@dataclass(frozen=True)
class LoadedPlugin:
    name: str
    plugin: Plugin
    directory: Path
    config: PluginTable


@dataclass(frozen=True)
class _Switch:
    """``enabled``, read like any setting (``CMS_PLUGINS_<NAME>_ENABLED=off`` works)."""

    enabled: bool = True


def load_plugins(settings: Settings) -> list[LoadedPlugin]:
    """Import every enabled plugin of ``config/plugins.toml``, in file order."""
    loaded = []
    for name, table in settings.plugins.items():
        if not read_settings(_Switch, {k: v for k, v in table.items() if k == "enabled"}, name).enabled:
            continue
        module = _import_plugin(name, table.get("module"), settings.root)
        plugin = getattr(module, "plugin", None)
        if not isinstance(plugin, Plugin):
            raise ConfigError(f'plugin "{name}": {module.__name__} must define `plugin = Plugin(...)`')
        plugin.name = plugin.name or name
        config = PluginTable({k: v for k, v in table.items() if k not in RESERVED_KEYS}, getattr(table, "path", None))
        directory = Path(module.__file__ or "").parent
        loaded.append(LoadedPlugin(name, plugin, directory, config))
    return loaded


def _import_plugin(name: str, module_name: Any, root: Path) -> types.ModuleType:
    if module_name is not None:
        if not isinstance(module_name, str):
            raise ConfigError(f'plugin "{name}": "module" must be a dotted module name')
        return _import(module_name, name)
    local = root / "plugins" / name
    if (local / "__init__.py").exists():
        builtin = importlib.util.find_spec(BUILTIN_PACKAGE)
        if builtin and any(Path(p).resolve() == local.parent.resolve() for p in builtin.submodule_search_locations or []):
            return _import(f"{BUILTIN_PACKAGE}.{name}", name)
        package = sys.modules.get(PROJECT_PACKAGE)
        if package is None or list(getattr(package, "__path__", [])) != [str(local.parent)]:
            package = types.ModuleType(PROJECT_PACKAGE)
            package.__path__ = [str(local.parent)]
            sys.modules[PROJECT_PACKAGE] = package
            for key in [k for k in sys.modules if k.startswith(PROJECT_PACKAGE + ".")]:
                del sys.modules[key]
        return _import(f"{PROJECT_PACKAGE}.{name}", name)
    return _import(f"{BUILTIN_PACKAGE}.{name}", name)


def _import(module_name: str, plugin: str) -> types.ModuleType:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        # only the plugin's own module (or a package above it) missing means "not found";
        # a missing dependency of the plugin propagates with its traceback
        if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
            raise ConfigError(f'plugin "{plugin}" not found: no plugins/{plugin}/ in the project, no built-in plugin, no module {module_name!r}') from exc
        raise
