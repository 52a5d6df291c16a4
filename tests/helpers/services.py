"""Skipping for a missing service, unless the run asks for every service.

A developer without Redis or Node still gets a green local run with the
affected tests skipped; CI sets ``CMS_TEST_REQUIRE_SERVICES=1`` so that the
same absence fails the run instead of silently testing less.
"""

from __future__ import annotations

import os

import pytest


def services_required() -> bool:
    return os.environ.get("CMS_TEST_REQUIRE_SERVICES", "") not in ("", "0")


def missing_service(reason: str) -> None:
    """Skip the test, or fail it when every service is required."""
    if services_required():
        pytest.fail(f"{reason} (CMS_TEST_REQUIRE_SERVICES is set: this run needs every service)")
    pytest.skip(reason)
