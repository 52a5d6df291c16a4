"""Rate limiting of the auth routes: at most ``rate_limit_max`` requests per window, per route, identifier and IP.

This module's server allows 3 requests a minute (the 3 set through
``CMS_PLUGINS_USERS_PERMISSIONS_RATE_LIMIT_MAX``). Requests count whatever
their outcome; the 4th gets Strapi's 429. A login's username and email share
the account's budget; another account, or the same one from another address,
has its own; one address has at most ``rate_limit_address_max`` attempts per
action whatever the identifiers; a forged ``X-Forwarded-For`` does not buy a
new budget, nor does a trailing slash. Other routes are not limited.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from plugins.users_permissions.ratelimit import RateLimiter
from cms.errors import RateLimitError
from tests.plugins.users_permissions.support import Project, error, serve

TOO_MANY = (429, "RateLimitError", "Too many requests, please try again later.")


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    # the maximum comes from the environment, as an operator would override it
    with serve(tmp_path_factory.mktemp("limited"), 'rate_limit_interval = "60s"\n',
               env={"CMS_PLUGINS_USERS_PERMISSIONS_RATE_LIMIT_MAX": "3"}) as project:
        yield project


def from_address(up: Project, address: str) -> httpx.Client:
    """A client whose connections come from another loopback address."""
    return httpx.Client(base_url=up.server.url, transport=httpx.HTTPTransport(local_address=address))


def test_the_fourth_login_attempt_for_an_identifier_within_the_window_is_refused(up: Project) -> None:
    up.register("Victim")
    attempts = [up.login("Victim", "guess one"), up.login("victim", "guess two"), up.login("VICTIM", "guess three")]
    assert [a.status_code for a in attempts] == [400, 400, 400]

    assert error(up.login("Victim", "guess four")) == TOO_MANY
    assert error(up.login("victim")) == TOO_MANY  # even with the right password, in any letter case
    # the email names the same account: the same bucket (it was a way around the limit)
    assert error(up.login("victim@example.com")) == TOO_MANY

    with from_address(up, "127.0.0.2") as elsewhere:  # the same user, from another address
        assert elsewhere.post("/api/auth/local", json={"identifier": "Victim", "password": "correct horse"}).status_code == 200


def test_a_forged_forwarded_for_header_does_not_buy_a_new_budget(up: Project) -> None:
    """Only a proxy listed in ``[server] trusted_proxies`` (none by default) may say who the client is."""
    up.register("Target")
    with from_address(up, "127.0.0.4") as attacker:
        def login(headers: dict[str, str]) -> httpx.Response:
            return attacker.post("/api/auth/local", headers=headers, json={"identifier": "Target", "password": "guess"})

        assert [login({}).status_code for _ in range(3)] == [400, 400, 400]
        assert error(login({})) == TOO_MANY
        assert error(login({"X-Forwarded-For": "203.0.113.9"})) == TOO_MANY
        assert error(login({"X-Real-IP": "203.0.113.9", "Forwarded": "for=203.0.113.9"})) == TOO_MANY


@pytest.mark.parametrize(("route", "body"), [
    ("/api/auth/local/register", {"username": "spam", "email": "spam@example.com", "password": "x"}),
    ("/api/auth/forgot-password", {"email": "someone@example.com"}),
    ("/api/auth/reset-password", {"code": "0" * 128, "password": "a" * 8, "passwordConfirmation": "a" * 8}),
])
def test_register_forgot_and_reset_are_limited_too(up: Project, route: str, body: dict[str, str]) -> None:
    with from_address(up, "127.0.0.3") as client:  # a fresh budget, whatever ran before
        statuses = [client.post(route, json=body).status_code for _ in range(3)]
        assert 429 not in statuses
        assert error(client.post(route, json=body)) == TOO_MANY


def test_other_routes_are_not_limited(up: Project) -> None:
    user = up.register("Busy")
    assert [up.http.get("/api/users/me", headers=user.auth).status_code for _ in range(10)] == [200] * 10


def test_requests_count_afresh_once_the_window_has_passed(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr("plugins.users_permissions.ratelimit.time.monotonic", lambda: now[0])
    limiter = RateLimiter(max_requests=2, window_seconds=60)

    limiter.hit("key")
    now[0] += 30
    limiter.hit("key")
    with pytest.raises(RateLimitError):
        limiter.hit("key")
    limiter.hit("other key")

    now[0] += 30.5  # the first hit has left the window
    limiter.hit("key")
    with pytest.raises(RateLimitError):
        limiter.hit("key")


def test_a_trailing_slash_shares_the_routes_bucket(up: Project) -> None:
    up.register("Slash")
    with from_address(up, "127.0.0.6") as client:
        def login(path: str) -> httpx.Response:
            return client.post(path, json={"identifier": "Slash", "password": "guess"})

        assert [login(p).status_code for p in ("/api/auth/local", "/api/auth/local/", "/api/auth/local")] == [400] * 3
        assert error(login("/api/auth/local/")) == TOO_MANY


def test_one_address_cannot_spray_many_identifiers(up: Project) -> None:
    """30 identifiers from one address all went through; now the address has a budget of its own (20)."""
    with from_address(up, "127.0.0.7") as sprayer:
        answers = [sprayer.post("/api/auth/local", json={"identifier": f"nobody{i}", "password": "guess"}).status_code
                   for i in range(30)]
    assert answers[:20] == [400] * 20 and set(answers[20:]) == {429}
    with from_address(up, "127.0.0.8") as neighbour:  # positive control: another address is not affected
        assert neighbour.post("/api/auth/local", json={"identifier": "nobody0", "password": "guess"}).status_code == 400


def test_without_trusted_proxies_even_the_local_host_cannot_name_another_client(up: Project) -> None:
    """uvicorn believed X-Forwarded-For from 127.0.0.1 by default: a local attacker rotated it."""
    up.register("Local")
    with from_address(up, "127.0.0.1") as local:
        answers = [local.post("/api/auth/local", headers={"X-Forwarded-For": f"198.51.100.{i}"},
                              json={"identifier": "Local", "password": "guess"}).status_code for i in range(5)]
    assert answers == [400, 400, 400, 429, 429]
