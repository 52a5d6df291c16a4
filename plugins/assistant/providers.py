"""Who writes the replies: a small interface, and its two built-in providers.

A provider turns a :class:`Prompt` into text, as an async iterator of pieces
(one piece for providers that do not stream). It raises :class:`ProviderError`
(with a short reason fit for a log line: never the message text, never the key)
when it cannot answer. Write your own by implementing :class:`Provider`::

    class Echo:
        name = "echo"
        streams = False

        async def reply(self, prompt: Prompt) -> AsyncIterator[str]:
            yield prompt.message.text

        async def close(self) -> None:
            pass

* :class:`TemplateProvider`: the away message; no network, the default.
* :class:`OpenAICompatible`: ``POST {base_url}/chat/completions`` through the
  official ``openai`` client (timeouts, retries with backoff on 408/409/429/5xx
  and refused connections, server-sent-event streams), which every
  OpenAI-compatible server speaks: OpenAI, Azure OpenAI's v1 API and gateways,
  Ollama (``http://127.0.0.1:11434/v1``), vLLM, llama.cpp's ``llama-server``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal, Protocol

from plugins.assistant.config import AssistantConfig, fill


class ProviderError(Exception):
    """The provider gave no usable answer; ``reason`` is safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Turn:
    """One chat message as the provider sees it: who said it, and the text."""

    role: Literal["user", "assistant"]
    text: str
    #: the author's username (public), shown in rooms where several people talk
    name: str = ""


@dataclass(frozen=True)
class Prompt:
    system: str
    #: earlier messages of the conversation, oldest first (only those the busy user may read)
    history: list[Turn]
    #: the message to answer
    message: Turn
    #: the busy user (on whose behalf the reply is written) and the sender of ``message``
    username: str
    sender: str
    #: True in a room: turns are prefixed with their author's username
    room: bool = False

    def chat_messages(self) -> list[dict[str, str]]:
        """The OpenAI ``messages`` array: system, history, then the new message."""
        def content(turn: Turn) -> str:
            return f"{turn.name}: {turn.text}" if self.room and turn.role == "user" and turn.name else turn.text
        return [{"role": "system", "content": self.system},
                *({"role": t.role, "content": content(t)} for t in [*self.history, self.message])]


class Provider(Protocol):
    #: a name for logs and the admin page
    name: str
    #: whether text arrives over time (the recipient then sees ``chat:typing`` meanwhile)
    streams: bool

    def reply(self, prompt: Prompt) -> AsyncIterator[str]:
        """The reply, piece by piece; :class:`ProviderError` when there is none."""

    async def close(self) -> None:
        """Release connections (called at shutdown)."""


class TemplateProvider:
    """The away message (``template``): usable with no configuration and no network."""

    name = "template"
    streams = False

    def __init__(self, template: str) -> None:
        self.template = template

    async def reply(self, prompt: Prompt) -> AsyncIterator[str]:
        yield fill(self.template, username=prompt.username, sender=prompt.sender)

    async def close(self) -> None:
        pass


class OpenAICompatible:
    """An OpenAI-compatible chat-completions API, through the ``openai`` package."""

    name = "openai"

    def __init__(self, config: AssistantConfig, environ: dict[str, str] | None = None) -> None:
        import openai  # the dependency is needed only when this provider is configured

        self._openai = openai
        self.model = config.model
        self.max_tokens = config.max_tokens
        self.streams = config.stream
        key = (environ if environ is not None else os.environ).get(config.api_key_env, "")
        #: whether a key was found (the admin page shows this, never the key)
        self.has_key = bool(key)
        self.base_url = config.base_url or "https://api.openai.com/v1"
        self.client = openai.AsyncOpenAI(
            # local servers need no key; the client insists on one, so a placeholder goes instead
            api_key=key or "unused", base_url=self.base_url,
            timeout=config.timeout, max_retries=config.retries)

    async def reply(self, prompt: Prompt) -> AsyncIterator[str]:
        openai = self._openai
        try:
            if self.streams:
                async with contextlib.aclosing(self._stream(prompt)) as pieces:  # closed when the caller stops
                    async for piece in pieces:
                        yield piece
            else:
                yield await self._whole(prompt)
        except ProviderError:
            raise
        except openai.APITimeoutError as exc:
            raise ProviderError("the provider timed out") from exc
        except openai.APIConnectionError as exc:
            raise ProviderError("the provider could not be reached") from exc
        except openai.APIStatusError as exc:
            raise ProviderError(f"the provider answered HTTP {exc.status_code}") from exc
        except Exception as exc:  # noqa: BLE001 - anything else is an answer we cannot read
            raise ProviderError(f"the provider's answer was malformed ({type(exc).__name__})") from exc

    async def _stream(self, prompt: Prompt) -> AsyncIterator[str]:
        stream = await self.client.chat.completions.create(
            model=self.model, messages=prompt.chat_messages(), max_tokens=self.max_tokens,  # type: ignore[arg-type]
            stream=True)
        try:
            async for chunk in stream:
                for choice in chunk.choices or ():
                    delta = choice.delta
                    if delta is not None and getattr(delta, "refusal", None):
                        raise ProviderError("the provider refused to answer")
                    if choice.finish_reason == "content_filter":
                        raise ProviderError("the provider refused to answer (content filter)")
                    if delta is not None and delta.content:
                        yield delta.content
        finally:
            await stream.close()

    async def _whole(self, prompt: Prompt) -> str:
        answer = await self.client.chat.completions.create(
            model=self.model, messages=prompt.chat_messages(), max_tokens=self.max_tokens,  # type: ignore[arg-type]
            stream=False)
        if not answer.choices:
            raise ProviderError("the provider's answer had no choices")
        choice = answer.choices[0]
        if getattr(choice.message, "refusal", None) or choice.finish_reason == "content_filter":
            raise ProviderError("the provider refused to answer")
        return choice.message.content or ""

    async def close(self) -> None:
        await self.client.close()


def make_provider(config: AssistantConfig) -> Provider:
    if config.provider == "openai":
        return OpenAICompatible(config)
    return TemplateProvider(config.template)
