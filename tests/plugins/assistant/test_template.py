"""The away message: the default provider with no configuration at all, and the fallback when the API is down.

Two servers: ``[assistant]`` as an empty table (template provider, every
role, no network; with the admin, whose assistant page is checked here), and an ``openai`` provider whose server does not exist
(``on_failure = "template"``, ``roles = []``: only users who opted in).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from tests.admin.conftest import Session
from tests.helpers.project import free_port, run_cms
from tests.plugins.assistant.conftest import API_KEY, KEY_ENV, assistant_server, busy, generated, send, settle, warnings_about
from tests.plugins.realtime.conftest import SECRETS_ENV, ChatServer, Connect


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    with assistant_server(tmp_path_factory, "", "assistant-plain", admin=True) as running:
        yield running


@pytest.fixture(scope="module")
def unreachable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    settings = f"""
provider = "openai"
base_url = "http://127.0.0.1:{free_port()}/v1"
api_key_env = "{KEY_ENV}"
on_failure = "template"
template = "{{username}} is away; {{sender}}, this is an automatic answer."
roles = []
timeout = 1.0
retries = 0
"""
    with assistant_server(tmp_path_factory, settings, "assistant-down", env={KEY_ENV: API_KEY}) as running:
        yield running


async def test_the_away_message_works_with_no_configuration(plain: ChatServer, connect: Connect) -> None:
    alice, bob = await plain.users(2)
    a, b = await connect(plain, alice.jwt), await connect(plain, bob.jwt)
    await busy(b)
    sent, took = await send(a, bob, "hello bob")
    reply = await a.wait_for("chat:message", lambda m: m.get("generated") is True)
    assert reply["text"] == f"{bob.username} is busy right now and will answer later."
    assert reply["sender"]["id"] == bob.id and reply["recipient"]["id"] == alice.id
    assert reply["clientId"] == f"assistant:{sent['id']}"
    assert (await b.wait_for("chat:message", lambda m: m.get("generated") is True))["id"] == reply["id"]
    assert not a.received("chat:typing")  # nothing is streamed: no typing notice

    # the default cooldown (60 s): one away message per conversation, not one per message
    await send(a, bob, "hello again")
    await settle()
    assert len(generated(a)) == 1

    # back online: no more away messages (a new conversation, so no cooldown in the way)
    carol = await plain.register()
    c = await connect(plain, carol.jwt)
    await b.ok("presence:set", {"status": "online"})
    await send(c, bob, "are you there?")
    await settle()
    assert not generated(c)
    assert "provider template" in plain.server.log()


async def test_a_provider_that_is_down_falls_back_to_the_away_message(unreachable: ChatServer,
                                                                      connect: Connect) -> None:
    alice, bob = await unreachable.users(2)
    a, b = await connect(unreachable, alice.jwt), await connect(unreachable, bob.jwt)
    await busy(b)

    # roles = []: only users who turned the assistant on are answered for
    sent, _ = await send(a, bob, "first")
    await settle()
    assert not generated(a)
    response = await unreachable.http("PUT", "/api/assistant/settings", bob.jwt, json={"data": {"enabled": True}})
    assert response.json()["data"] == {"enabled": True, "choice": True, "roleDefault": False}

    sent, took = await send(a, bob, "second")
    assert took < 0.5
    reply = await a.wait_for("chat:message", lambda m: m.get("generated") is True)
    assert reply["text"] == f"{bob.username} is away; {alice.username}, this is an automatic answer."
    for _ in range(40):
        if warnings_about(unreachable, sent["id"]):
            break
        await asyncio.sleep(0.05)
    [line] = warnings_about(unreachable, sent["id"])
    assert "could not be reached" in line and "second" not in line
    log = unreachable.server.log()
    assert API_KEY not in log and f"${KEY_ENV} is not set" not in log


async def test_the_admin_page_shows_settings_and_replies(plain: ChatServer, connect: Connect) -> None:
    alice, bob = await plain.users(2)
    a, b = await connect(plain, alice.jwt), await connect(plain, bob.jwt)
    await busy(b)
    await send(a, bob, "for the admin page")
    reply = await a.wait_for("chat:message", lambda m: m.get("generated") is True)

    env = {**SECRETS_ENV, **({"CMS_DATABASE_URL": plain.database_url} if plain.database_url else {})}
    created = await asyncio.to_thread(run_cms, plain.root, "admin", "create-user", "--username", "root",
                                      "--password", "root-password-1", env=env)
    assert created.returncode == 0, created.stderr
    with Session(base_url=plain.url, follow_redirects=False, timeout=30) as session:
        assert session.get("/admin/assistant").status_code in (302, 303, 307)  # admins only
        login = session.submit("/admin/login", {"username": "root", "password": "root-password-1"})
        assert login.status_code == 303, login.text[:500]
        page = session.get("/admin/assistant")
        assert page.status_code == 200, page.text[:500]
        html = page.text
        assert "Settings in force" in html and "<code>provider</code></th><td>template</td>" in html
        assert reply["text"] in html and bob.username in html
        assert "Assistant overview" in session.get("/admin/").text  # in the menu


async def test_a_users_choice_goes_with_the_user(plain: ChatServer) -> None:
    carol = await plain.register()
    response = await plain.http("PUT", "/api/assistant/settings", carol.jwt, json={"data": {"enabled": False}})
    assert response.status_code == 200, response.text
    [entry] = await plain.rows("SELECT id FROM assistant_settings WHERE user_id = $1", carol.id)
    token = await plain.api_token("full-access")
    response = await plain.http("DELETE", f"/api/users/{carol.id}", token)
    assert response.status_code == 200, response.text
    assert await plain.rows("SELECT id FROM assistant_settings WHERE id = $1", entry["id"]) == []
