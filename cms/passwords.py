"""Password hashing for ``password`` attributes (passlib's maintained fork, libpass).

argon2id, the OWASP-recommended algorithm. The parameters are the cost knob:
the users_permissions plugin measures login latency against them (bench/).
Hashes embed their parameters, so raising them later still verifies old hashes
and :func:`needs_rehash` tells when to upgrade one.
"""

from __future__ import annotations

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
