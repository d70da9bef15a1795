# Copyright: nvair.air contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The token stays out of results, warnings and URLs, even when the server echoes it back."""

from __future__ import annotations

import json
import re

import pytest
import requests
import responses

from ansible_collections.nvair.air.plugins.modules import air_checkpoint, air_checkpoint_info
from ansible_collections.nvair.air.tests.unit.plugins.modules.utils import run_module

BASE = "http://127.0.0.1:9/api/v3"
TOKEN = "nvapi-SECRETS-UNIT-5d0c7be1a9f24e38b6-never-printed"
CP = "aaaaaaaa-0000-4000-8000-000000000001"
ANY = re.compile(r"http://127\.0\.0\.1:9/.*")
# A server (or a proxy in front of it) that quotes the credentials it was sent.
ECHO = {"detail": f"Invalid token {TOKEN}.", "token": [f"Bearer {TOKEN}"]}


def run(main, args, answer):
    full = {"api_url": BASE, "api_token": TOKEN, "retries": 1, "retry_max_delay": 0, **args}
    with responses.RequestsMock(assert_all_requests_are_fired=False) as http:
        for method in (responses.GET, responses.PATCH, responses.DELETE):
            http.add(method, ANY, **answer)
        kind, payload, warnings = run_module(main, full)
        urls = [call.request.url for call in http.calls]
        bodies = [call.request.body or b"" for call in http.calls]
    return kind, payload, warnings, urls, bodies


ANSWERS = {
    "403 echoing the token": {"status": 403, "json": ECHO},
    "500 echoing the token": {"status": 500, "json": ECHO},
    "503 echoing the token, retried": {"status": 503, "json": ECHO},
    "400 field errors echoing the token": {"status": 400, "json": {"name": [TOKEN]}},
    "non-JSON body echoing the token": {"status": 502, "body": f"<h1>Bearer {TOKEN}</h1>"},
    "200 that is not JSON": {"status": 200, "body": f"Authorization: Bearer {TOKEN}"},
    "connection error quoting the token": {
        "body": requests.exceptions.ConnectionError(f"proxy said: Authorization: Bearer {TOKEN}")
    },
}
CALLS = {
    "info": (air_checkpoint_info.main, {"limit": 1}),
    "rename": (air_checkpoint.main, {"id": CP, "name": "x"}),
    "delete list": (air_checkpoint.main, {"checkpoints": [CP], "state": "absent"}),
    "check mode": (air_checkpoint.main, {"id": CP, "favorite": True, "_ansible_check_mode": True}),
}


@pytest.mark.parametrize("answer", list(ANSWERS), ids=list(ANSWERS))
@pytest.mark.parametrize("call", list(CALLS), ids=list(CALLS))
def test_the_token_is_never_in_a_result_warning_or_url(call, answer):
    main, args = CALLS[call]
    kind, payload, warnings, urls, bodies = run(main, args, ANSWERS[answer])

    assert kind == "fail"
    assert urls, "no request was sent"
    assert TOKEN not in json.dumps(payload)
    assert TOKEN not in json.dumps(warnings)
    assert not [url for url in urls if TOKEN in url]
    assert not [body for body in bodies if TOKEN.encode() in body]


def test_plain_http_to_a_remote_host_warns_that_the_token_is_unencrypted():
    # Mocked: nothing is sent to air.example.com.
    with responses.RequestsMock() as http:
        http.add(
            responses.GET,
            "http://air.example.com/api/v3/simulations/runs/checkpoints/",
            json={"count": 0, "next": None, "previous": None, "results": []},
        )
        kind, payload, warnings = run_module(
            air_checkpoint_info.main,
            {"api_url": "http://air.example.com/api/v3", "api_token": TOKEN},
        )

    assert kind == "exit", payload
    assert warnings == [
        "api_url uses plain http to air.example.com: the API token travels unencrypted; use https"
    ]
