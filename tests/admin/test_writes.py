"""Writes through the admin are the document service's: validation, lifecycle hooks, realtime events.

The project's messages have a ``lifecycles.py`` that trims texts, records every
hook it sees, and refuses some writes; a Socket.IO client subscribed to
messages (with an API token made on the settings page) sees what the admin does.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
import socketio

from tests.admin.conftest import ROOT_PASSWORD, AdminProject, Session, start_project
from tests.conftest import database_environment

LIFECYCLES = '''
import json
from pathlib import Path

from cms.errors import ApplicationError

LOG = Path(__file__).resolve().parents[2] / ".tmp" / "hooks.jsonl"


def record(event):
    with LOG.open("a") as out:
        out.write(json.dumps({"hook": event.state.get("hook"), "action": event.action}) + "\\n")


async def beforeCreate(event):
    text = event.params["data"].get("text")
    if text == "forbidden":
        raise ApplicationError("Hooks refuse this text")
    if isinstance(text, str):
        event.params["data"]["text"] = text.strip()
    event.state["hook"] = "beforeCreate"
    record(event)


async def afterCreate(event):
    event.state["hook"] = "afterCreate"
    record(event)


async def beforeUpdate(event):
    event.state["hook"] = "beforeUpdate"
    record(event)


async def afterUpdate(event):
    event.state["hook"] = "afterUpdate"
    record(event)


async def beforeDelete(event):
    event.state["hook"] = "beforeDelete"
    record(event)


async def afterDelete(event):
    event.state["hook"] = "afterDelete"
    record(event)
'''


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminProject]:
    with database_environment() as env:
        running = start_project(tmp_path_factory.mktemp("admin-writes") / "project", env,
                                files={"content_types/message/lifecycles.py": LIFECYCLES})
        try:
            yield running
        finally:
            running.server.stop()


@pytest.fixture(scope="module")
def root(project: AdminProject) -> Session:
    session = project.session()
    created = session.submit("/admin/setup", {"username": "root", "password": ROOT_PASSWORD, "confirm": ROOT_PASSWORD})
    assert created.status_code == 303
    return session


def hooks(project: AdminProject) -> list[str]:
    path = project.root / ".tmp" / "hooks.jsonl"
    return [json.loads(line)["hook"] for line in path.read_text().splitlines()] if path.exists() else []


def message_ids(session: Session, q: str) -> dict[str, str]:
    listing = session.get("/admin/message/list", params={"q": q}).text
    return {text: pk for pk, text in re.findall(
        r'data-sa-pk="(\d+)".*?data-column="text"[^>]*>\s*<span[^>]*title="([^"]*)"', listing, re.DOTALL)}


class Subscriber:
    def __init__(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: dict[str, list[Any]] = defaultdict(list)
        self.sio.on("*", self._record)

    async def _record(self, event: str, data: Any = None) -> None:
        self.events[event].append(data)

    async def wait_for(self, event: str, text: str, timeout: float = 10) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for data in self.events[event]:
                if isinstance(data, dict) and data.get("text") == text:
                    return data
            await asyncio.sleep(0.02)
        raise AssertionError(f"no {event} for {text!r}: {dict(self.events)}")


async def test_admin_writes_run_hooks_and_reach_realtime_subscribers(project: AdminProject, root: Session) -> None:
    answer = root.submit("/admin/settings/api-tokens", {"name": "socket", "type": "full-access", "duration": "7"})
    token = re.search(r'data-testid="new-token">([0-9a-f]+)<', answer.text)
    assert token, answer.text[:500]
    subscriber = Subscriber()
    await subscriber.sio.connect(project.url, auth={"token": token.group(1)}, transports=["websocket"], wait_timeout=10)
    try:
        subscribed = await subscriber.sio.call("content:subscribe", {"type": "message"}, timeout=10)
        assert subscribed["ok"] is True, subscribed

        assert root.submit("/admin/message/create", {"text": "   hello hooks   ", "room": "lobby"}).status_code == 303
        created = await subscriber.wait_for("message:create", "hello hooks")  # trimmed by beforeCreate
        assert hooks(project)[-2:] == ["beforeCreate", "afterCreate"]
        pk = message_ids(root, "hello hooks")["hello hooks"]
        assert created["id"] == int(pk)

        assert root.submit(f"/admin/message/edit?pk={pk}", {"text": "hello again", "room": "lobby"}).status_code == 303
        updated = await subscriber.wait_for("message:update", "hello again")
        assert updated["documentId"] == created["documentId"]
        assert hooks(project)[-2:] == ["beforeUpdate", "afterUpdate"]

        assert root.action("message", "delete", [pk]).status_code == 200
        deleted = await subscriber.wait_for("message:delete", "hello again")
        assert deleted["documentId"] == created["documentId"]
        assert hooks(project)[-2:] == ["beforeDelete", "afterDelete"]
    finally:
        await subscriber.sio.disconnect()


def test_a_hook_refusing_a_write_is_shown_on_the_form(project: AdminProject, root: Session) -> None:
    refused = root.submit("/admin/message/create", {"text": "forbidden", "room": "lobby"})
    assert refused.status_code == 422
    assert 'data-testid="form-error">Hooks refuse this text<' in refused.text
    assert "forbidden" not in message_ids(root, "forbidden")


def test_built_in_roles_cannot_be_deleted_or_retyped_from_the_admin(project: AdminProject, root: Session) -> None:
    """The trash icon on Public deleted it, and every anonymous request and registration then
    failed until a restart; REST refused the same delete. Now the rule holds on both paths."""
    def pk_of(name: str) -> str:
        found = re.findall(r'data-sa-pk="(\d+)"', root.get("/admin/role/list", params={"q": name}).text)
        assert len(found) == 1, (name, found)
        return found[0]

    for role_type, name in (("public", "Public"), ("authenticated", "Authenticated")):
        pk = pk_of(name)
        refused = root.action("role", "delete", [pk])
        assert refused.status_code == 400, refused.text
        assert f"The {role_type} role cannot be deleted" in refused.text
        retyped = root.submit(f"/admin/role/edit?pk={pk}", {"name": name, "description": "", "type": "renamed"})
        assert retyped.status_code == 422 and "cannot be changed" in retyped.text, retyped.text[:500]
        assert pk_of(name) == pk
    assert project.register("afterwards")["user"]["username"] == "afterwards"  # Public still works
    # a role of one's own can still go (positive control)
    made = root.submit("/admin/role/create", {"name": "Editors", "description": "", "type": "editors"})
    assert made.status_code == 303, made.text[:500]
    assert root.action("role", "delete", [pk_of("Editors")]).status_code == 200
