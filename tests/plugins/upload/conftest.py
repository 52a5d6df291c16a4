"""One server per test module (see support.py); the modules share nothing but this code."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.plugins.upload.support import Project, bearer, serve


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    """A project with the upload plugin at its defaults (local provider)."""
    with serve(tmp_path_factory.mktemp("upload")) as project:
        yield project


@pytest.fixture(scope="module")
def admin(up: Project) -> dict[str, str]:
    """Headers of a full-access API token: what an operator's script would use."""
    return bearer(up.api_token("full-access"))
