"""Rate limiting of the auth routes: at most N requests per window per key.

The key is the route, the identifier (username or email when the body has
one) and the client IP, as Strapi keys it, so one attacker cannot lock out a
user from elsewhere. Counters live in process memory: with several processes
each enforces its own limit.
"""

from __future__ import annotations

import time
from collections import deque

from cms.errors import RateLimitError


class RateLimiter:
    def __init__(self, max_requests: int, window_seconds: float) -> None:
        self.max_requests = max_requests
        self.window = window_seconds
        self._hits: dict[str, deque[float]] = {}

    def hit(self, key: str) -> None:
        """Count one request for ``key``; raise 429 when over the limit."""
        now = time.monotonic()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.max_requests:
            raise RateLimitError()
        hits.append(now)
        if len(self._hits) > 100_000:  # forget idle keys so memory stays bounded
            self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > now - self.window}
