"""Password hashing for ``password`` attributes (passlib's maintained fork, libpass).

argon2id, the OWASP-recommended algorithm. The parameters are the cost knob:
the users_permissions plugin measures login latency against them (bench/).
Hashes embed their parameters, so raising them later still verifies old hashes
and :func:`needs_rehash` tells when to upgrade one.
"""

from __future__ import annotations

import asyncio
import os

from passlib.context import CryptContext

# OWASP (2024): argon2id with m=19 MiB, t=2, p=1 is the minimum recommended.
_context = CryptContext(
    schemes=["argon2"],
    argon2__type="ID",
    argon2__memory_cost=19 * 1024,
    argon2__time_cost=2,
    argon2__parallelism=1,
)


def hash_password(plain: str) -> str:
    return _context.hash(plain)


def verify_password(plain: str, hashed: str | None) -> bool:
    """True when ``plain`` matches; False for a missing or malformed hash."""
    if not hashed:
        return False
    try:
        return _context.verify(plain, hashed)
    except (ValueError, TypeError):
        return False


def needs_rehash(hashed: str) -> bool:
    return _context.needs_update(hashed)


# Each argon2 hash holds 19 MiB while it runs: at most one per core at a time
# keeps memory bounded under a burst of logins, and the rest wait their turn.
_slots: asyncio.Semaphore | None = None


def _semaphore() -> asyncio.Semaphore:
    global _slots
    if _slots is None:
        _slots = asyncio.Semaphore(os.cpu_count() or 1)
    return _slots


async def hash_password_async(plain: str) -> str:
    """:func:`hash_password` off the event loop, one per core at a time."""
    async with _semaphore():
        return await asyncio.to_thread(hash_password, plain)


async def verify_password_async(plain: str, hashed: str | None) -> bool:
    """:func:`verify_password` off the event loop, one per core at a time."""
    async with _semaphore():
        return await asyncio.to_thread(verify_password, plain, hashed)
