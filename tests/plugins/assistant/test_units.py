"""The provider client and the settings, in process: the wire protocol against the fake server,
JSON and streamed answers, retries, failures as ProviderError, settings checked at start."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest

from cms.config import ConfigError, EnvValue
from plugins.assistant.config import AssistantConfig, load_config
from plugins.assistant.providers import OpenAICompatible, Prompt, ProviderError, TemplateProvider, Turn
from plugins.assistant.responder import mentions
from tests.helpers.project import free_port
from tests.plugins.assistant.fake_provider import FakeProvider


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProvider]:
    server = FakeProvider().start()
    yield server
    server.stop()


def prompt(text: str, history: list[Turn] | None = None, room: bool = False) -> Prompt:
    return Prompt(system="be brief", history=history or [], message=Turn("user", text, "bo"),
                  username="ana", sender="bo", room=room)


def client(fake: FakeProvider, **settings: object) -> OpenAICompatible:
    config = replace(AssistantConfig(provider="openai", base_url=fake.base_url, model="m", api_key_env="UNIT_KEY",
                                     timeout=0.5, retries=1), **settings)  # type: ignore[arg-type]
    return OpenAICompatible(config, environ={"UNIT_KEY": "sk-unit"})


async def collect(provider: OpenAICompatible, p: Prompt) -> str:
    try:
        return "".join([piece async for piece in provider.reply(p)])
    finally:
        await provider.close()


async def test_streamed_and_json_answers(fake: FakeProvider) -> None:
    streamed = client(fake)
    assert streamed.streams
    assert await collect(streamed, prompt("unit stream")) == "[bot] unit stream"
    whole = client(fake, stream=False)
    assert not whole.streams
    assert await collect(whole, prompt("unit json")) == "[bot] unit json"
    [first] = fake.requests_about("unit stream")
    [second] = fake.requests_about("unit json")
    assert first["body"]["stream"] is True and second["body"].get("stream") in (False, None)
    assert first["headers"]["Authorization"] == "Bearer sk-unit"
    assert first["body"]["messages"] == [{"role": "system", "content": "be brief"},
                                         {"role": "user", "content": "unit stream"}]


async def test_room_turns_name_their_authors(fake: FakeProvider) -> None:
    p = prompt("unit room", [Turn("user", "hi all", "cy"), Turn("assistant", "hello", "ana")], room=True)
    assert p.chat_messages()[1:] == [{"role": "user", "content": "cy: hi all"},
                                     {"role": "assistant", "content": "hello"},
                                     {"role": "user", "content": "bo: unit room"}]


@pytest.mark.parametrize("stream", [True, False])
async def test_retries_after_429_and_500(fake: FakeProvider, stream: bool) -> None:
    for word in ("#429once", "#500once"):
        text = f"unit retry {stream} {word}"
        assert await collect(client(fake, stream=stream), prompt(text)) == f"[bot] {text}"
        assert len(fake.requests_about(text)) == 2


@pytest.mark.parametrize(("word", "reason"), [
    ("#500", "HTTP 500"), ("#malformed", "malformed"), ("#refuse", "refused"), ("#slow", "timed out"),
])
async def test_failures_are_provider_errors(fake: FakeProvider, word: str, reason: str) -> None:
    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        await collect(client(fake, retries=0), prompt(f"unit fail {word}"))
    assert reason in caught.value.reason and "sk-unit" not in caught.value.reason
    assert time.monotonic() - started < 2.5


async def test_an_unreachable_server_is_a_provider_error() -> None:
    config = AssistantConfig(provider="openai", base_url=f"http://127.0.0.1:{free_port()}/v1", retries=0, timeout=1)
    with pytest.raises(ProviderError, match="could not be reached"):
        await collect(OpenAICompatible(config, environ={}), prompt("x"))


async def test_the_template_provider() -> None:
    provider = TemplateProvider("{username} is out; sorry {sender}")
    assert not provider.streams
    assert [piece async for piece in provider.reply(prompt("hi"))] == ["ana is out; sorry bo"]


def test_settings_are_checked() -> None:
    assert load_config({}) == AssistantConfig()
    assert load_config({"daily_cap": EnvValue("7", "CMS_PLUGINS_ASSISTANT_DAILY_CAP")}).daily_cap == 7
    bad = [
        ({"provider": "claude"}, "provider"),
        ({"api_key": "sk-secret"}, 'unknown key "api_key"'),
        ({"api_key_env": "sk-this-is-a-key"}, "name of an environment variable"),
        ({"daily_cap": 0}, "daily_cap"),
        ({"statuses": ["online"]}, "statuses"),
        ({"template": "{user} is out"}, "unknown placeholder {user}"),
        ({"system_prompt": "for {username"}, "system_prompt"),
        ({"timeout": 0}, "timeout"),
        ({"provider": "openai", "base_url": "ftp://x"}, "base_url"),
    ]
    for raw, message in bad:
        with pytest.raises(ConfigError) as caught:
            load_config(raw)
        assert message in str(caught.value)
        assert "sk-" not in str(caught.value)


def test_mentions() -> None:
    assert mentions("@ana and @Bo, also @ana; mail x@y.z @") == ["ana", "Bo"]
    assert mentions("hi @ana.") == ["ana"]
    assert mentions("no mention") == []


async def test_a_cancelled_stream_is_closed(fake: FakeProvider) -> None:
    provider = client(fake, timeout=5)
    replies = provider.reply(prompt("unit cancel #slow"))
    task = asyncio.ensure_future(replies.__anext__())
    await fake.wait_requests("unit cancel")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await provider.close()
