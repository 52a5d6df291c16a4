"""Settings of the i18n plugin (``[i18n]`` in config/plugins.toml), checked at start-up.

The locales listed here are seeded into the database at every start (missing
ones added, the default set); locales editors add later live in the database
only, so the file is where a project's locales *begin*, not a mirror of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cms.config import ConfigError, read_settings, setting_source
from plugins.i18n.codes import code_problem, name_problem

NAME = "i18n"


@dataclass(frozen=True)
class I18nConfig:
    #: the code of the default locale; must be one of ``locales``
    default_locale: str = "en"
    #: the locales to seed: tables ``{code = "fr", name = "French (fr)"}`` (name optional), or
    #: bare codes (from the environment: ``CMS_PLUGINS_I18N_LOCALES=en,fr``; the name is the code)
    locales: list[Any] = field(default_factory=lambda: [{"code": "en", "name": "English (en)"}])


@dataclass(frozen=True)
class LocaleSpec:
    code: str
    name: str


@dataclass(frozen=True)
class I18nSettings:
    default_locale: str
    locales: tuple[LocaleSpec, ...]


def load_config(raw: dict[str, Any]) -> I18nSettings:
    """The ``[i18n]`` table, typed and checked; a :class:`ConfigError` names the file (or
    variable) and the key of the first bad value."""
    config = read_settings(I18nConfig, raw, NAME)
    where = setting_source(raw, NAME, "locales")
    if not config.locales:
        raise ConfigError(f"{where} must list at least one locale")
    specs = tuple(_spec(entry, f"{where}[{index}]") for index, entry in enumerate(config.locales))
    seen: set[str] = set()
    for index, spec in enumerate(specs):
        if spec.code in seen:
            raise ConfigError(f"{where}[{index}]: code {spec.code!r} is listed twice")
        seen.add(spec.code)
    default_where = setting_source(raw, NAME, "default_locale")
    if problem := code_problem(config.default_locale):
        raise ConfigError(f"{default_where} {problem}")
    if config.default_locale not in seen:
        raise ConfigError(f"{default_where} {config.default_locale!r} is not one of the locales "
                          f"({', '.join(s.code for s in specs)})")
    return I18nSettings(config.default_locale, specs)


def _spec(entry: Any, where: str) -> LocaleSpec:
    if isinstance(entry, str):
        entry = {"code": entry}
    if not isinstance(entry, dict):
        raise ConfigError(f'{where} must be a table {{code = "fr", name = "French (fr)"}} or a code')
    unknown = sorted(set(entry) - {"code", "name"})
    if unknown:
        raise ConfigError(f'{where}: unknown key "{unknown[0]}" (known: code, name)')
    if "code" not in entry:
        raise ConfigError(f'{where}: "code" is missing')
    if problem := code_problem(entry["code"]):
        raise ConfigError(f"{where}: code {problem}")
    name = entry.get("name", entry["code"])
    if name is None or (problem := name_problem(name)):
        raise ConfigError(f"{where}: name {problem or 'must be a string'}")
    return LocaleSpec(entry["code"], name)
