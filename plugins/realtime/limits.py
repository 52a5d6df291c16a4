"""Per-socket budgets: one socket cannot take the server from the others.

Every event a socket sends is counted, not only chat messages: each kind has
a token bucket (``<kind>_rate`` per second sustained, ``<kind>_burst`` at
once), a socket may have at most ``max_in_flight`` events being handled, and
an event over either limit is answered at once with ``rate_limited``,
before any work. A socket that keeps going after being told (more than
``abuse_limit`` refusals within 10 s) is disconnected.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from plugins.realtime.config import RealtimeConfig

#: event → the budget it draws from; events not named here draw from "event"
KINDS = {
    "chat:send": "send", "sendMessage": "send",
    "chat:history": "history",
    "chat:typing": "typing",
    "register": "auth", "login": "auth",
}
ABUSE_WINDOW = 10.0


@dataclass(slots=True)
class TokenBucket:
    """``rate`` events per second sustained, ``burst`` at once."""

    rate: float
    burst: int
    tokens: float = 0.0
    stamp: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = float(self.burst)

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class SocketBudget:
    """The limits of one socket. Kept for every idle socket too, so it is slotted and its
    buckets are made on first use: a socket that never sends costs one small object."""

    __slots__ = ("config", "buckets", "in_flight", "strikes")

    def __init__(self, config: RealtimeConfig) -> None:
        self.config = config
        self.buckets: dict[str, TokenBucket] = {}
        self.in_flight = 0
        self.strikes: TokenBucket | None = None

    def admit(self, event: str) -> bool:
        """Whether ``event`` may run now (it is then counted in flight until :meth:`done`)."""
        if self.in_flight >= self.config.max_in_flight:
            return False
        kind = KINDS.get(event, "event")
        bucket = self.buckets.get(kind)
        if bucket is None:
            bucket = self.buckets[kind] = TokenBucket(getattr(self.config, f"{kind}_rate"),
                                                      getattr(self.config, f"{kind}_burst"))
        if not bucket.take():
            return False
        self.in_flight += 1
        return True

    def done(self) -> None:
        self.in_flight -= 1

    def strike(self) -> bool:
        """Count a refusal; False once the socket has been refused too often to keep."""
        if self.strikes is None:
            self.strikes = TokenBucket(self.config.abuse_limit / ABUSE_WINDOW, self.config.abuse_limit)
        return self.strikes.take()
