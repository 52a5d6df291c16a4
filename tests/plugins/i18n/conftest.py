"""One server per test module (see support.py); the modules share nothing but this code."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.plugins.i18n.support import Project, serve


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    """A project seeded with English (default) and French; Public may list, users may also write."""
    settings = 'locales = [{code = "en", name = "English (en)"}, {code = "fr", name = "French (fr)"}]'
    with serve(tmp_path_factory.mktemp("i18n"), settings) as project:
        yield project


@pytest.fixture(scope="module")
def editor(site: Project) -> dict[str, str]:
    """Headers of a registered user, whose role (Authenticated) may manage locales."""
    return site.register("editor")
