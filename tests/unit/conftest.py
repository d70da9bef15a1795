# Copyright: nvair.air contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures shared by the unit tests: a client that never sleeps, and mocked HTTP."""

from __future__ import annotations

import pytest
import responses as responses_lib

from ansible_collections.nvair.air.plugins.module_utils.air_client import AirClient

API = "https://air.test/api/v3"
TOKEN = "nvapi-unit-test-token-0123456789"


@pytest.fixture
def mocked():
    """Every HTTP call must be registered; an unexpected one fails the test."""
    with responses_lib.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def make_client(sleeps):
    """Build clients whose retry waits are recorded instead of slept (jitter fixed at 0.5)."""
    created = []

    def build(api_url=API, token=TOKEN, **options):
        options.setdefault("retries", 3)
        client = AirClient(api_url, token, **options)
        client._sleep = sleeps.append
        client._random = lambda: 0.5
        created.append(client)
        return client

    yield build
    for client in created:
        client.close()


@pytest.fixture
def client(make_client):
    return make_client()


@pytest.fixture
def api():
    return API


@pytest.fixture
def token():
    return TOKEN
