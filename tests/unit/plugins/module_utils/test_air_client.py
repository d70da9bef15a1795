# Copyright: nvair.air contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP client: URLs, headers, pagination, retries, errors and token secrecy."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import requests
import urllib3
import yaml
from responses import matchers

from ansible_collections.nvair.air.plugins.module_utils import air_client, air_errors
from ansible_collections.nvair.air.plugins.module_utils.air_client import (
    USER_AGENT,
    AirError,
    normalize_api_url,
    read_ngc_api_key,
)

CP = "simulations/runs/checkpoints/"
CP_ID = "0b7c6c34-2a5c-4c43-9a53-6d1b1c0a9f01"


def page(results, next_url=None):
    return {"count": len(results), "next": next_url, "previous": None, "results": results}


def connect_refused():
    reason = urllib3.exceptions.NewConnectionError(
        object(), "Failed to establish a new connection: [Errno 111] Connection refused"
    )
    return requests.exceptions.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/", reason))


def connection_dropped():
    return requests.exceptions.ConnectionError(
        urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError(104, "reset"))
    )


# -- configuration ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://api.air-ngc.nvidia.com", "https://api.air-ngc.nvidia.com/api/v3"),
        ("https://api.air-ngc.nvidia.com/", "https://api.air-ngc.nvidia.com/api/v3"),
        ("http://h:8000/foo", "http://h:8000/api/v3"),
        ("http://h:8000/api/v3/", "http://h:8000/api/v3"),
        ("https://h/api/v2", "https://h/api/v2"),
        ("https://h/api/v3/simulations/?x=1", "https://h/api/v3"),
        ("https://h/api/v3x", "https://h/api/v3"),
        ("  HTTPS://Air.Example.COM/api/v3  ", "https://air.example.com/api/v3"),
        ("http://[::1]:8000/x", "http://[::1]:8000/api/v3"),
    ],
)
def test_api_url_is_normalised_like_the_sdk(given, expected):
    assert normalize_api_url(given) == expected


@pytest.mark.parametrize("given", ["api.air-ngc.nvidia.com", "", "ftp://h/api/v3", "https://"])
def test_api_url_without_scheme_or_host_is_refused(given):
    with pytest.raises(AirError, match=r"^api_url .* needs an http or https scheme and a host"):
        normalize_api_url(given)


@pytest.mark.parametrize("given", ["http://h:99999/api/v3", "http://h:port/"])
def test_api_url_with_a_bad_port_is_refused(given):
    with pytest.raises(AirError, match=r"^api_url .* has an invalid port"):
        normalize_api_url(given)


def test_api_url_with_credentials_is_refused_without_echoing_them():
    with pytest.raises(AirError) as caught:
        normalize_api_url("https://user:secret@h/api/v3")
    assert "secret" not in str(caught.value)
    assert "api_token" in str(caught.value)


def test_user_agent_version_matches_galaxy_yml():
    galaxy = Path(__file__).resolve().parents[4] / "galaxy.yml"
    version = yaml.safe_load(galaxy.read_text(encoding="utf-8"))["version"]
    assert version == air_client.COLLECTION_VERSION
    assert f"nvair.air/{version}" == USER_AGENT


def test_connection_pool_is_sized_for_a_thread_pool(make_client):
    client = make_client(pool_size=48)
    adapter = client.session.get_adapter("https://air.test/")
    assert adapter._pool_maxsize == 48
    assert adapter.max_retries.total == 0


@pytest.mark.parametrize("bad", ["two words", "line\nbreak", "tab\there", "caf\u00e9"])
def test_token_that_cannot_be_a_header_is_refused_without_echo(make_client, bad):
    with pytest.raises(AirError) as caught:
        make_client(token=bad)
    assert bad not in str(caught.value)
    assert "AIR_API_TOKEN" in str(caught.value)


def test_empty_token_is_refused(make_client):
    with pytest.raises(AirError, match="token is empty: set api_token or AIR_API_TOKEN"):
        make_client(token="   ")


# -- requests on the wire -----------------------------------------------------------------


def test_request_sends_headers_and_trailing_slash(client, mocked, api, token):
    mocked.get(f"{api}/{CP}{CP_ID}/", json={"id": CP_ID})

    assert client.get(f"{CP}{CP_ID}") == {"id": CP_ID}

    sent = mocked.calls[0].request
    assert sent.url == f"{api}/{CP}{CP_ID}/"
    assert sent.headers["Authorization"] == f"Bearer {token}"
    assert sent.headers["User-Agent"] == USER_AGENT
    assert sent.headers["Accept"] == "application/json"
    assert sent.req_kwargs["timeout"] == (16.0, 61.0)


def test_a_netrc_entry_for_the_host_does_not_replace_the_token(
    client, mocked, api, token, tmp_path, monkeypatch
):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine air.test login someone password secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    mocked.get(f"{api}/{CP}{CP_ID}/", json={"id": CP_ID})

    client.get(f"{CP}{CP_ID}/")

    assert mocked.calls[0].request.headers["Authorization"] == f"Bearer {token}"


def test_patch_sends_json_body_and_delete_expects_204(client, mocked, api):
    mocked.patch(
        f"{api}/{CP}{CP_ID}/",
        json={"id": CP_ID, "name": "x"},
        match=[matchers.json_params_matcher({"name": "x"})],
    )
    mocked.delete(f"{api}/{CP}{CP_ID}/", status=204)

    assert client.patch(f"{CP}{CP_ID}/", {"name": "x"}) == {"id": CP_ID, "name": "x"}
    assert client.delete(f"{CP}{CP_ID}/") is None


def test_validate_certs_false_wins_over_requests_ca_bundle(make_client, mocked, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/bundle.pem")
    client = make_client(validate_certs=False)
    mocked.get(f"https://air.test/api/v3/{CP}", json=page([]))

    list(client.paginate(CP))

    assert mocked.calls[0].request.req_kwargs["verify"] is False


def test_ca_path_is_used_for_verification(make_client, mocked, tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n", encoding="ascii")
    client = make_client(ca_path=str(bundle))
    mocked.get(f"https://air.test/api/v3/{CP}", json=page([]))

    list(client.paginate(CP))

    assert mocked.calls[0].request.req_kwargs["verify"] == str(bundle)


def test_insecure_settings_warn_once_each(make_client):
    warnings = []
    make_client(validate_certs=False, warn=warnings.append)
    make_client(api_url="http://air.example.com", warn=warnings.append)
    make_client(api_url="http://127.0.0.1:8000", warn=warnings.append)
    make_client(api_url="http://localhost:8000", warn=warnings.append)

    assert len(warnings) == 2
    assert warnings[0].startswith("validate_certs is false")
    assert "plain http to air.example.com" in warnings[1]


# -- pagination ---------------------------------------------------------------------------


def test_paginate_sends_limit_and_ordering_and_follows_next_verbatim(make_client, mocked, api):
    client = make_client(page_size=2)
    second = f"{api}/{CP}?limit=2&offset=2&state=COMPLETE&ordering=-created&extra=kept"
    third = f"{api}/{CP}?limit=2&offset=4&state=COMPLETE&ordering=-created&extra=kept"
    mocked.get(
        f"{api}/{CP}",
        json=page([{"id": 1}, {"id": 2}], second),
        match=[
            matchers.query_param_matcher(
                {"limit": "2", "ordering": "-created", "state": "COMPLETE"}
            )
        ],
    )
    mocked.get(second, json=page([{"id": 3}, {"id": 4}], third))
    mocked.get(third, json=page([{"id": 5}]))

    items = list(client.paginate(CP, {"state": "COMPLETE"}, ordering="-created"))

    assert [i["id"] for i in items] == [1, 2, 3, 4, 5]
    assert [c.request.url for c in mocked.calls][1:] == [second, third]


def test_paginate_streams_one_page_at_a_time(make_client, mocked, api):
    client = make_client(page_size=1)
    mocked.get(f"{api}/{CP}", json=page([{"id": 1}], f"{api}/{CP}?limit=1&offset=1"))
    mocked.get(f"{api}/{CP}?limit=1&offset=1", json=page([{"id": 2}]))

    items = client.paginate(CP)
    assert next(items) == {"id": 1}
    assert len(mocked.calls) == 1
    assert next(items) == {"id": 2}
    assert len(mocked.calls) == 2


def test_paginate_stops_on_a_repeated_next(client, mocked, api):
    loop = f"{api}/{CP}?limit=200&offset=200"
    mocked.get(f"{api}/{CP}", json=page([{"id": 1}], loop))
    mocked.get(loop, json=page([{"id": 2}], loop))

    items = []
    with pytest.raises(AirError, match=r"next link .* a second time \(after page 2\)"):
        for item in client.paginate(CP):
            items.append(item)
    assert items == [{"id": 1}, {"id": 2}]
    assert len(mocked.calls) == 2


def test_paginate_stops_when_next_points_back_to_the_first_page(client, mocked, api):
    first = f"{api}/{CP}?limit=200&ordering=created"
    mocked.get(f"{api}/{CP}", json=page([{"id": 1}], first))

    with pytest.raises(AirError, match="a second time"):
        list(client.paginate(CP))


@pytest.mark.parametrize(
    "next_url",
    [
        "https://elsewhere.test/api/v3/simulations/runs/checkpoints/?offset=1",
        "http://air.test/api/v3/simulations/runs/checkpoints/?offset=1",
        "https://air.test:8443/api/v3/simulations/runs/checkpoints/?offset=1",
    ],
)
def test_paginate_never_sends_the_token_to_another_origin(client, mocked, api, next_url):
    mocked.get(f"{api}/{CP}", json=page([{"id": 1}], next_url))

    with pytest.raises(AirError, match="refusing to send the token there"):
        list(client.paginate(CP))
    assert len(mocked.calls) == 1


def test_paginate_accepts_the_default_port_spelled_out(client, mocked, api):
    next_url = f"https://air.test:443/api/v3/{CP}?offset=1"
    mocked.get(f"{api}/{CP}", json=page([{"id": 1}], next_url))
    mocked.get(next_url, json=page([{"id": 2}]))

    assert len(list(client.paginate(CP))) == 2


def test_paginate_rejects_a_body_that_is_not_a_page(client, mocked, api):
    mocked.get(f"{api}/{CP}", json=[{"id": 1}])

    with pytest.raises(AirError, match="page 1 is not a paged listing"):
        list(client.paginate(CP))


# -- retries ------------------------------------------------------------------------------


def test_get_retries_503_with_capped_exponential_backoff(make_client, mocked, api, sleeps):
    logged = []
    client = make_client(retries=5, retry_max_delay=3, log=logged.append)
    url = f"{api}/{CP}{CP_ID}/"
    for _attempt in range(4):
        mocked.get(url, status=503, json={"detail": "busy"})
    mocked.get(url, json={"id": CP_ID})

    assert client.get(f"{CP}{CP_ID}/") == {"id": CP_ID}

    # Full jitter with random() fixed at 0.5: half of 1, 2, 4 -> capped at 3, 8 -> capped at 3.
    assert sleeps == [0.5, 1.0, 1.5, 1.5]
    assert client.retry_log == logged
    assert logged[0] == (f"GET {CP}{CP_ID}/: 503 Service Unavailable; retry 1 of 5 in 0.5 s")


def test_retry_after_is_honoured_and_capped(make_client, mocked, api, sleeps):
    client = make_client(retry_max_delay=10)
    mocked.get(f"{api}/{CP}", status=429, headers={"Retry-After": "7"})
    mocked.get(f"{api}/{CP}", status=429, headers={"Retry-After": "3600"})
    mocked.get(f"{api}/{CP}", json=page([]))

    assert list(client.paginate(CP)) == []
    assert sleeps == [7.0, 10.0]
    assert client.retry_log[0].endswith("retry 1 of 3 in 7.0 s (Retry-After)")


def test_retry_after_as_http_date():
    assert air_client._retry_after_seconds("Thu, 01 Jan 1970 00:01:40 GMT", now=40.0) == 60.0
    assert air_client._retry_after_seconds("soon") is None


def test_patch_is_retried_because_its_bodies_are_absolute(client, mocked, api):
    url = f"{api}/{CP}{CP_ID}/"
    mocked.patch(url, status=502)
    mocked.patch(url, json={"id": CP_ID, "favorite": True})

    assert client.patch(f"{CP}{CP_ID}/", {"favorite": True})["favorite"] is True
    assert len(mocked.calls) == 2


def test_post_is_not_retried_on_503(client, mocked, api):
    mocked.post(f"{api}/simulations/clone/", status=503, json={"detail": "busy"})

    with pytest.raises(AirError) as caught:
        client.request("POST", "simulations/clone/", json={}, expected=(201,))
    assert caught.value.status == 503
    assert len(mocked.calls) == 1
    assert client.retry_log == []


def test_500_is_not_retried(client, mocked, api):
    mocked.get(f"{api}/{CP}", status=500, json={"detail": "boom"})

    with pytest.raises(AirError) as caught:
        list(client.paginate(CP))
    assert str(caught.value) == (
        f"GET {CP}: 500 Internal Server Error: boom. The Air API failed; try again later"
    )
    assert len(mocked.calls) == 1


def test_exhausted_retries_say_how_many(make_client, mocked, api):
    client = make_client(retries=2)
    for _attempt in range(3):
        mocked.get(f"{api}/{CP}", status=504)

    with pytest.raises(AirError) as caught:
        list(client.paginate(CP))
    assert str(caught.value).startswith(f"GET {CP}: 504 Gateway Timeout (after 2 retries)")
    assert len(mocked.calls) == 3


def test_retries_zero_means_one_try(make_client, mocked, api):
    client = make_client(retries=0)
    mocked.get(f"{api}/{CP}", status=503)

    with pytest.raises(AirError):
        list(client.paginate(CP))
    assert len(mocked.calls) == 1


def test_connect_failure_is_retried_even_for_post(client, mocked, api):
    mocked.post(f"{api}/simulations/clone/", body=connect_refused())
    mocked.post(f"{api}/simulations/clone/", status=201, json={"id": "new"})

    assert client.request("POST", "simulations/clone/", json={}, expected=(201,)) == {"id": "new"}
    assert (
        "cannot connect (Failed to establish a new connection: [Errno 111] Connection refused)"
        in client.retry_log[0]
    )


def test_dropped_connection_is_retried_for_get_only(client, mocked, api):
    mocked.get(f"{api}/{CP}", body=connection_dropped())
    mocked.get(f"{api}/{CP}", json=page([{"id": 1}]))
    mocked.post(f"{api}/simulations/clone/", body=connection_dropped())

    assert list(client.paginate(CP)) == [{"id": 1}]
    with pytest.raises(AirError, match=r"^POST simulations/clone/: connection lost"):
        client.request("POST", "simulations/clone/", json={}, expected=(201,))
    assert len(mocked.calls) == 3


def test_read_timeout_is_retried_for_get_but_not_post(client, mocked, api):
    mocked.get(f"{api}/{CP}", body=requests.exceptions.ReadTimeout("read timed out"))
    mocked.get(f"{api}/{CP}", json=page([]))
    mocked.post(f"{api}/simulations/clone/", body=requests.exceptions.ReadTimeout("slow"))

    assert list(client.paginate(CP)) == []
    assert "no answer within 61 s" in client.retry_log[0]
    with pytest.raises(AirError) as caught:
        client.request("POST", "simulations/clone/", json={}, expected=(201,))
    assert str(caught.value) == (
        "POST simulations/clone/: https://air.test/api/v3 sent no answer within 61 s; raise "
        "timeout or try again later"
    )


# -- errors -------------------------------------------------------------------------------


def test_404_names_the_missing_id(client, mocked, api):
    mocked.get(f"{api}/{CP}{CP_ID}/", status=404, json={"detail": "Not found."})

    with pytest.raises(AirError) as caught:
        client.get(f"{CP}{CP_ID}/")
    assert str(caught.value) == (
        f"GET {CP}{CP_ID}/: 404 Not Found: Not found. Check the checkpoint id {CP_ID}: it does "
        "not exist or this token cannot see it"
    )
    assert caught.value.to_dict() == {
        "msg": str(caught.value),
        "method": "GET",
        "path": f"{CP}{CP_ID}/",
        "status": 404,
        "detail": "Not found.",
        "field_errors": None,
    }


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"detail": "Invalid token."}, "403 Forbidden: Invalid token. Check the API token"),
        ({"detail": "Invalid token"}, "403 Forbidden: Invalid token. Check the API token"),
        ({}, "403 Forbidden. Check the API token"),
    ],
)
def test_hint_is_one_sentence_after_the_detail(client, mocked, api, body, expected):
    mocked.get(f"{api}/{CP}", status=403, json=body)

    with pytest.raises(AirError) as caught:
        list(client.paginate(CP))
    assert expected in str(caught.value)
    assert ".." not in str(caught.value)


def test_one_retry_is_singular(make_client, mocked, api):
    client = make_client(retries=1)
    for _attempt in range(2):
        mocked.get(f"{api}/{CP}", status=503, json={"detail": "Down."})

    with pytest.raises(AirError) as caught:
        list(client.paginate(CP))
    assert str(caught.value).startswith(f"GET {CP}: 503 Service Unavailable (after 1 retry): Down.")


def test_404_on_an_action_names_the_simulation(client, mocked, api):
    mocked.patch(f"{api}/simulations/{CP_ID}/start/", status=404, json={"detail": "Not found."})

    with pytest.raises(AirError, match=f"Check the simulation id {CP_ID}"):
        client.request("PATCH", f"simulations/{CP_ID}/start/", json={})


def test_404_on_a_listing_points_at_api_url(client, mocked, api):
    mocked.get(f"{api}/{CP}", status=404, body="<html>nope</html>")

    with pytest.raises(AirError, match="Check api_url: the API has no such path"):
        list(client.paginate(CP))


@pytest.mark.parametrize(
    ("status", "method", "scope"),
    [
        (401, "GET", "air:simulation_read"),
        (403, "GET", "air:simulation_read"),
        (403, "PATCH", "air:simulation_edit"),
    ],
)
def test_auth_failures_point_at_the_token_and_scope(client, mocked, api, status, method, scope):
    mocked.add(
        method,
        f"{api}/{CP}{CP_ID}/",
        status=status,
        json={"detail": "Authentication credentials were not provided."},
    )

    with pytest.raises(AirError) as caught:
        client.request(method, f"{CP}{CP_ID}/", json={} if method == "PATCH" else None)
    message = str(caught.value)
    assert "Authentication credentials were not provided." in message
    assert "Check the API token (api_token or AIR_API_TOKEN)" in message
    assert f"with the {scope} scope" in message


def test_field_errors_are_kept_and_summarised(client, mocked, api):
    mocked.patch(
        f"{api}/{CP}{CP_ID}/",
        status=400,
        json={"name": ["Ensure this field has no more than 128 characters."]},
    )

    with pytest.raises(AirError) as caught:
        client.patch(f"{CP}{CP_ID}/", {"name": "x" * 200})
    assert str(caught.value) == (
        f"PATCH {CP}{CP_ID}/: 400 Bad Request: name: Ensure this field has no more than 128 "
        "characters."
    )
    assert caught.value.field_errors == {
        "name": ["Ensure this field has no more than 128 characters."]
    }


def test_non_json_success_body_is_an_error(client, mocked, api):
    mocked.get(f"{api}/{CP}{CP_ID}/", body="<html>login</html>", status=200)

    with pytest.raises(AirError) as caught:
        client.get(f"{CP}{CP_ID}/")
    assert str(caught.value) == (
        f"GET {CP}{CP_ID}/: the 200 answer is not JSON: '<html>login</html>'; check that "
        "api_url points to the Air API"
    )


def test_unexpected_success_status_is_an_error(client, mocked, api):
    mocked.delete(f"{api}/{CP}{CP_ID}/", status=202, json={})

    with pytest.raises(AirError, match="202 Accepted: the API answered 202, expected 204"):
        client.delete(f"{CP}{CP_ID}/")


def test_tls_failure_explains_ca_path(client, mocked, api):
    mocked.get(
        f"{api}/{CP}",
        body=requests.exceptions.SSLError("certificate verify failed: self-signed certificate"),
    )

    with pytest.raises(AirError) as caught:
        list(client.paginate(CP))
    message = str(caught.value)
    assert message.startswith(f"GET {CP}: TLS error talking to https://air.test/api/v3: ")
    assert "certificate verify failed" in message
    assert "set ca_path" in message and "validate_certs: false" in message
    assert len(mocked.calls) == 1


def test_unreachable_host_after_retries(client, mocked, api, sleeps):
    for _attempt in range(4):
        mocked.get(f"{api}/{CP}", body=connect_refused())

    with pytest.raises(AirError) as caught:
        list(client.paginate(CP))
    assert str(caught.value) == (
        f"GET {CP}: cannot connect (Failed to establish a new connection: [Errno 111] Connection "
        "refused) (after 3 retries); check api_url "
        "(https://air.test/api/v3) and that the host is reachable"
    )
    assert len(sleeps) == 3


def test_token_never_appears_in_errors_or_retry_lines(client, mocked, api, token):
    mocked.get(f"{api}/{CP}", status=503, body=f"upstream said {token}")
    mocked.get(f"{api}/{CP}", status=400, json={"detail": f"bad {token}", "x": [token]})

    with pytest.raises(AirError) as caught:
        list(client.paginate(CP))
    everything = repr(caught.value.to_dict()) + repr(client.retry_log) + str(caught.value)
    assert token not in everything
    assert "********" in caught.value.detail
    assert caught.value.field_errors == {"x": ["********"]}


# -- NGC config ---------------------------------------------------------------------------


def write_config(tmp_path, text):
    path = tmp_path / "config"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_ngc_config_with_one_key(tmp_path):
    path = write_config(
        tmp_path,
        ";WARNING - This is a machine generated file.  Do not edit manually.\n"
        ";apikey = nvapi-commented-out\n"
        "\n[CURRENT]\napikey = nvapi-abc\nformat_type = ascii\norg = myorg\n",
    )
    assert read_ngc_api_key(path) == "nvapi-abc"


def test_ngc_config_key_in_any_section(tmp_path):
    path = write_config(tmp_path, "[CURRENT]\norg = x\n\n[work]\napikey = nvapi-work\n")
    assert read_ngc_api_key(path) == "nvapi-work"


def test_ngc_config_same_key_twice_is_not_ambiguous(tmp_path):
    path = write_config(tmp_path, "[a]\napikey = nvapi-same\n[b]\napikey = nvapi-same\n")
    assert read_ngc_api_key(path) == "nvapi-same"


def test_ngc_config_with_several_keys_names_the_profiles(tmp_path):
    path = write_config(tmp_path, "[CURRENT]\napikey = nvapi-one\n[other]\napikey = nvapi-two\n")
    with pytest.raises(AirError) as caught:
        read_ngc_api_key(path)
    assert str(caught.value) == (
        f"{path} holds different API keys in sections CURRENT, other; set api_token (or "
        "AIR_API_TOKEN) to choose one"
    )
    assert "nvapi-one" not in str(caught.value)


def test_ngc_config_without_key(tmp_path):
    path = write_config(tmp_path, "[CURRENT]\norg = x\n[DEFAULT]\nformat_type = json\n")
    with pytest.raises(
        AirError, match=r"^No apikey entry in .*: set api_token \(or the AIR_API_TOKEN"
    ):
        read_ngc_api_key(path)


def test_ngc_config_default_section_does_not_spread_to_others(tmp_path):
    path = write_config(tmp_path, "[DEFAULT]\napikey = nvapi-dflt\n[a]\norg = x\n[b]\norg = y\n")
    assert read_ngc_api_key(path) == "nvapi-dflt"


def test_missing_ngc_config(tmp_path):
    with pytest.raises(AirError, match=r"^No Air API token: set api_token"):
        read_ngc_api_key(str(tmp_path / "absent"))


def test_legacy_ngc_key_is_refused_without_echo(tmp_path):
    path = write_config(tmp_path, "[CURRENT]\napikey = legacykey123\n")
    with pytest.raises(AirError) as caught:
        read_ngc_api_key(path)
    assert "does not start with 'nvapi-'" in str(caught.value)
    assert "legacykey123" not in str(caught.value)


def test_unparsable_ngc_config_does_not_quote_the_line(tmp_path):
    path = write_config(tmp_path, "apikey = nvapi-no-section\n")
    with pytest.raises(AirError) as caught:
        read_ngc_api_key(path)
    assert (
        str(caught.value)
        == f"Cannot parse the NGC config file {path} (line 1); fix it or set api_token"
    )


def test_default_ngc_config_path_is_in_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".ngc").mkdir()
    (tmp_path / ".ngc" / "config").write_text("[CURRENT]\napikey = nvapi-home\n")
    assert read_ngc_api_key() == "nvapi-home"
    assert os.path.expanduser(air_client.DEFAULT_NGC_CONFIG).startswith(str(tmp_path))


def test_root_cause_strips_object_reprs():
    exc = connect_refused()
    assert air_errors.root_cause(exc) == (
        "Failed to establish a new connection: [Errno 111] Connection refused"
    )
    assert not re.search(r"0x[0-9a-f]+", air_errors.root_cause(connection_dropped()))
