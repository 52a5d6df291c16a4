"""``[i18n]`` settings: defaults, the environment, and messages naming the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from cms.config import ConfigError, EnvValue, PluginTable
from plugins.i18n.config import LocaleSpec, load_config
from tests.conftest import database_environment
from tests.helpers.project import free_port, run_cms
from tests.plugins.i18n.support import write_project

FILE = Path("/project/config/plugins.toml")


def table(**values: object) -> PluginTable:
    return PluginTable(values, FILE)


def test_defaults_are_strapis_english() -> None:
    settings = load_config(table())
    assert settings.default_locale == "en"
    assert settings.locales == (LocaleSpec("en", "English (en)"),)


def test_locales_as_tables_or_codes_and_from_the_environment() -> None:
    settings = load_config(table(default_locale="fr", locales=[{"code": "en"}, "fr", {"code": "zh-Hans",
                                                                                    "name": "Chinese"}]))
    assert settings.locales == (LocaleSpec("en", "en"), LocaleSpec("fr", "fr"), LocaleSpec("zh-Hans", "Chinese"))
    env = load_config(table(locales=EnvValue("en, pt-BR", "CMS_PLUGINS_I18N_LOCALES"),
                            default_locale=EnvValue("pt-BR", "CMS_PLUGINS_I18N_DEFAULT_LOCALE")))
    assert env.default_locale == "pt-BR" and [s.code for s in env.locales] == ["en", "pt-BR"]


@pytest.mark.parametrize(("values", "message"), [
    ({"locales": [{"code": "EN"}]},
     '/project/config/plugins.toml: [i18n] "locales"[0]: code \'EN\' is not a locale code'),
    ({"locales": [{"code": "en"}, {"code": "fr_FR", "name": "French"}]},
     '[i18n] "locales"[1]: code \'fr_FR\' is not a locale code'),
    ({"default_locale": "de"},
     '/project/config/plugins.toml: [i18n] "default_locale" \'de\' is not one of the locales (en)'),
    ({"default_locale": "EN"}, '[i18n] "default_locale" \'EN\' is not a locale code'),
    ({"locales": []}, '[i18n] "locales" must list at least one locale'),
    ({"locales": [{"code": "en"}, {"code": "en", "name": "again"}]}, '"locales"[1]: code \'en\' is listed twice'),
    ({"locales": [{"code": "en", "label": "English"}]}, '"locales"[0]: unknown key "label" (known: code, name)'),
    ({"locales": [{"name": "English"}]}, '"locales"[0]: "code" is missing'),
    ({"locales": [{"code": "en", "name": "x" * 51}]}, '"locales"[0]: name must be at most 50 characters'),
    ({"locales": [{"code": "en", "name": 3}]}, '"locales"[0]: name must be a string'),
    ({"locales": [3]}, '"locales"[0] must be a table'),
    ({"locales": "en"}, '[i18n] "locales"'),
    ({"default": "en"}, '[i18n] unknown key "default" (known: default_locale, locales)'),
])
def test_a_bad_value_names_the_file_and_the_key(values: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(table(**values))
    assert message in str(caught.value)


def test_an_environment_override_is_named_in_the_message() -> None:
    with pytest.raises(ConfigError, match="environment variable CMS_PLUGINS_I18N_LOCALES"):
        load_config(table(locales=EnvValue("en,FR", "CMS_PLUGINS_I18N_LOCALES"), default_locale="en"))


def test_the_server_does_not_start_with_a_bad_locale(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", 'default_locale = "en"\nlocales = [{code = "en"}, {code = "Klingon"}]')
    with database_environment() as env:
        started = run_cms(root, "develop", "--port", str(free_port()), env=env)
    assert started.returncode == 1
    assert f'{root / "config" / "plugins.toml"}: [i18n] "locales"[1]: code \'Klingon\' is not a locale code' \
        in started.stderr
