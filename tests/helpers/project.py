"""Throwaway projects on disk, and the real server running them.

Tests build a project folder (schemas, config, plugins), then run the real
``cms`` command in a subprocess on a free port and talk to it over HTTP and
Socket.IO, exactly as a frontend would.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CMS = str(Path(sys.executable).parent / "cms")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_schema(root: Path, folder: str, schema: dict[str, Any]) -> Path:
    path = root / "content_types" / folder / "schema.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(schema, indent=2))
    return path


def collection(singular: str, plural: str, attributes: dict[str, Any], **options: Any) -> dict[str, Any]:
    """A collection-type schema in Strapi's format."""
    return {
        "kind": "collectionType",
        "collectionName": plural.replace("-", "_"),
        "info": {"singularName": singular, "pluralName": plural, "displayName": singular},
        "options": {"draftAndPublish": False, **options},
        "attributes": attributes,
    }


def make_project(root: Path, *, builtin_types: bool = True, plugins_toml: str = "") -> Path:
    """A project folder; with ``builtin_types`` it holds this repo's three content types.

    The auth type relates to the users_permissions plugin's roles and messages carry
    the upload plugin's files, so with the built-in types both plugins are enabled
    too (and the repo's default grants copied).
    """
    root.mkdir(parents=True, exist_ok=True)
    (root / "config").mkdir(exist_ok=True)
    (root / "content_types").mkdir(exist_ok=True)
    if builtin_types:
        shutil.copytree(REPO / "content_types", root / "content_types", dirs_exist_ok=True)
        shutil.copy(REPO / "config" / "permissions.toml", root / "config" / "permissions.toml")
        if "[upload]" not in plugins_toml:
            plugins_toml = "[upload]\n" + plugins_toml
        if "[users_permissions]" not in plugins_toml:
            plugins_toml = "[users_permissions]\n" + plugins_toml
    (root / "config" / "plugins.toml").write_text(plugins_toml)
    return root


def run_cms(root: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run one ``cms`` command to completion in ``root``."""
    return subprocess.run(
        [CMS, *args], cwd=root, env={**os.environ, **(env or {})},
        capture_output=True, text=True, timeout=timeout,
    )


class Server:
    """``cms develop`` (or ``start``) in a subprocess, on a free port."""

    def __init__(self, root: Path, command: str = "develop", env: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> None:
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = root / ".tmp" / f"server-{self.port}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [CMS, command, "--port", str(self.port), *args],
            cwd=root, env={**os.environ, **(env or {})}, stdout=self._log, stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 30) -> Server:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_ready", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(f"server not ready after {timeout}s:\n{self.log()}")

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return self.process.returncode


@contextmanager
def serving(root: Path) -> Iterator[Server]:
    """``cms develop`` on the project at ``root``, on a database of its own (PostgreSQL when the
    run is configured for it, else the project's SQLite file), stopped (and dropped) afterwards:
    for module-scoped fixtures, which cannot use ``server_factory``."""
    from tests.helpers import database

    url = database.create_database() if database.using_postgres() else None
    server = Server(root, "develop", {"CMS_DATABASE_URL": url} if url else {})
    try:
        yield server.wait_ready()
    finally:
        server.stop()
        if url:
            database.drop_database(url)
