"""Starting, stopping and --state-file persistence of the emulator process."""

import http.client
import json
import signal
import subprocess
import sys
import time

import pytest
from conftest import CHECKPOINTS, SIMULATIONS, first_page, get_all
from harness import EMULATOR, EmulatorError, EmulatorProcess


def test_ready_line_is_one_line_ending_with_the_base_url():
    process = subprocess.Popen(
        [sys.executable, EMULATOR, "--port", "0", "--token", "t", "--dataset", "empty"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        process.send_signal(signal.SIGINT)
        rest = process.communicate(timeout=30)[0]
    finally:
        if process.poll() is None:
            process.kill()

    assert line.rstrip("\n").endswith("/api/v3")
    assert line.split()[-1].startswith("http://127.0.0.1:")
    assert rest == ""
    assert process.returncode == 0


def test_sigterm_stops_cleanly_with_open_keep_alive_connections():
    emu = EmulatorProcess(dataset="empty").start()
    idle = http.client.HTTPConnection(emu.host, emu.port, timeout=30)
    try:
        idle.request(
            "GET", "/api/v3/" + CHECKPOINTS, headers={"Authorization": f"Bearer {emu.token}"}
        )
        idle.getresponse().read()

        assert emu.stop() == 0
    finally:
        idle.close()
    assert emu.stderr_text() == ""


def test_dataset_from_a_json_file(tmp_path):
    data = {
        "simulations": [{"id": "11111111-1111-4111-8111-111111111111", "name": "from file"}],
        "runs": [
            {
                "id": "22222222-2222-4222-8222-222222222222",
                "simulation": "11111111-1111-4111-8111-111111111111",
            }
        ],
        "checkpoints": [
            {
                "id": "33333333-3333-4333-8333-333333333333",
                "name": "kept as stored",
                "run": "22222222-2222-4222-8222-222222222222",
                "created": "2026-03-11T20:36:14.5+02:00",
            }
        ],
    }
    path = tmp_path / "data.json"
    path.write_text(json.dumps(data))

    with EmulatorProcess(dataset=path) as emu:
        items = get_all(emu, CHECKPOINTS)
        sims = get_all(emu, SIMULATIONS)

    assert [(i["name"], i["state"], i["created"]) for i in items] == [
        ("kept as stored", "COMPLETE", "2026-03-11T20:36:14.5+02:00")
    ]
    assert sims[0]["complete_checkpoint_count"] == 1


@pytest.mark.parametrize("content", ["{broken", '{"checkpoints": [{"id": "x"}]}', None])
def test_unloadable_dataset_fails_to_start_with_a_message(tmp_path, content):
    path = tmp_path / "data.json"
    if content is not None:
        path.write_text(content)

    with pytest.raises(EmulatorError, match="cannot load dataset"):
        EmulatorProcess(dataset=path).start()


def test_state_file_keeps_changes_across_a_restart(tmp_path):
    state = tmp_path / "state.sqlite"
    with EmulatorProcess(dataset="demo", state_file=state, complete_after=0) as emu:
        item = first_page(emu, CHECKPOINTS, {"state": "COMPLETE"})[0]
        emu.request("PATCH", f"{CHECKPOINTS}{item['id']}/", json_body={"name": "persisted"})
        other = first_page(emu, CHECKPOINTS, {"state": "COMPLETE"})[1]
        emu.request("DELETE", f"{CHECKPOINTS}{other['id']}/", json_body={})
        count = emu.request("GET", CHECKPOINTS).json()["count"]
        assert emu.stop() == 0

    # --dataset empty is ignored because the state file already holds data.
    with EmulatorProcess(dataset="empty", state_file=state) as emu:
        renamed = emu.request("GET", f"{CHECKPOINTS}{item['id']}/").json()
        deleted = emu.request("GET", f"{CHECKPOINTS}{other['id']}/").json()
        assert emu.request("GET", CHECKPOINTS).json()["count"] == count

    assert renamed["name"] == "persisted"
    assert deleted["state"] == "DELETED"


def test_pending_checkpoint_completes_after_a_restart(tmp_path):
    state = tmp_path / "state.sqlite"
    with EmulatorProcess(dataset="demo", state_file=state, complete_after=0.2) as emu:
        active = next(s for s in get_all(emu, SIMULATIONS) if s["state"] == "ACTIVE")
        assert emu.request("PATCH", f"{SIMULATIONS}{active['id']}/shutdown/").status == 200
        newest = get_all(emu, CHECKPOINTS, {"simulation": active["id"], "ordering": "-created"})

    with EmulatorProcess(dataset="demo", state_file=state) as emu:
        deadline = time.monotonic() + 30  # a bound, not an assertion: 0.2 s is the target
        while True:
            after = emu.request("GET", f"{CHECKPOINTS}{newest[0]['id']}/").json()
            if after["state"] != "PENDING" or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        sim = emu.request("GET", f"{SIMULATIONS}{active['id']}/").json()

    assert newest[0]["state"] == "PENDING"
    assert after["state"] == "COMPLETE" and sim["state"] == "INACTIVE"


@pytest.mark.parametrize(
    "args",
    [
        ["--complete-after", "-1"],
        ["--complete-after", "nan"],
        ["--latency-ms", "x"],
        ["--auto-delete-limit", "-2"],
        [],
    ],
)
def test_bad_command_lines_exit_with_usage(args):
    command = [sys.executable, EMULATOR, "--port", "0", *args]
    if args:
        command += ["--token", "t"]

    result = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)

    assert result.returncode == 2
    assert "usage:" in result.stderr and result.stdout == ""
