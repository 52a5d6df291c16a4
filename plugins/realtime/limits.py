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
    """The limits of one socket (slotted, as everything kept per idle socket)."""

    __slots__ = ("buckets", "max_in_flight", "in_flight", "strikes")

    def __init__(self, config: RealtimeConfig) -> None:
        self.buckets = {kind: TokenBucket(getattr(config, f"{kind}_rate"), getattr(config, f"{kind}_burst"))
                        for kind in ("send", "history", "typing", "auth", "event")}
        self.max_in_flight = config.max_in_flight
        self.in_flight = 0
        self.strikes = TokenBucket(config.abuse_limit / ABUSE_WINDOW, config.abuse_limit)

    def admit(self, event: str) -> bool:
        """Whether ``event`` may run now (it is then counted in flight until :meth:`done`)."""
        if self.in_flight >= self.max_in_flight or not self.buckets[KINDS.get(event, "event")].take():
            return False
        self.in_flight += 1
        return True

    def done(self) -> None:
        self.in_flight -= 1

    def strike(self) -> bool:
        """Count a refusal; False once the socket has been refused too often to keep."""
        return self.strikes.take()
