"""Run both modules and both roles through every path and look for the token everywhere.

Starts a private Air emulator (with its request log), runs secrets.yml at -vvvv with --diff,
once for real and once with --check, with ANSIBLE_LOG_PATH set, and then searches stdout,
stderr, Ansible's log file, the registered results and the emulator's log and stderr for the
token and for the wrong token used on the 403 path. Markers for every error path must show
up in the output, so a run that silently skipped a path fails instead of passing.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile

# The shared setup target (needs/target/setup_emulator_harness) finds tests/emulator.
sys.path.insert(
    0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "setup_emulator_harness")
)
from emulator_harness import EmulatorProcess  # pylint: disable=wrong-import-position

# Long and distinctive, so a partial echo (a prefix, a suffix) is still found.
TOKEN = "nvapi-LEAKCANARY-" + secrets.token_hex(32)
WRONG_TOKEN = "nvapi-WRONGCANARY-" + secrets.token_hex(32)

# One marker per path: each must appear in the combined output of the real run.
MARKERS = {
    "listing": "sec_listing",
    "403": "403 Forbidden",
    "404": "was not found; the API cannot create checkpoints",
    "500 fault": ": 500 Internal Server Error",
    "503 retried": "503 Service Unavailable; retry 1 of 1",
    "dropped connection": "connection lost",
    "refused": "cannot connect",
    "TLS": "TLS error talking to https://127.0.0.1",
    "query": "query is not a valid JMESPath expression",
    "date": "created_before: 'soonish' is neither",
    "long name": "is 129 characters long",
    "simulation lookup": "No simulation is named exactly 'no-such-simulation-anywhere'",
    "favorite refused": "is a favorite; set force: true",
    "retention role": "checkpoint_retention : Show the plan per simulation",
    "cleanup role": "checkpoint_cleanup : Show the plan per simulation",
    "role failure rescued": "sec_role_failed",
}


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def leaks(text):
    found = []
    for name, secret in (("token", TOKEN), ("wrong token", WRONG_TOKEN)):
        # The secret part without the fixed prefix, and halves of it, catch truncated echoes.
        body = secret.split("-", 2)[2]
        for piece in (secret, body, body[:32], body[32:]):
            if piece in text:
                found.append(name)
                break
    return found


def run_playbook(workdir, emu, check_mode):
    tag = "check" if check_mode else "apply"
    log_path = os.path.join(workdir, f"ansible-{tag}.log")
    results_path = os.path.join(workdir, f"results-{tag}.json")
    extra = {
        "sec_api_url": emu.base_url,
        "sec_emulator_url": emu.root_url,
        "sec_token": TOKEN,
        "sec_wrong_token": WRONG_TOKEN,
        "sec_closed_url": f"http://127.0.0.1:{closed_port()}/api/v3",
        "sec_tls_url": f"https://127.0.0.1:{emu.port}/api/v3",
        "sec_results_path": results_path,
    }
    # The token reaches ansible-playbook through a private file, never its command line.
    vars_path = os.path.join(workdir, f"vars-{tag}.json")
    with open(vars_path, "w", encoding="utf-8") as handle:
        json.dump(extra, handle)
    env = dict(os.environ, ANSIBLE_LOG_PATH=log_path, ANSIBLE_NOCOLOR="1")
    command = ["ansible-playbook", "-vvvv", "--diff", "-e", f"@{vars_path}", "secrets.yml"]
    if os.environ.get("INVENTORY_PATH"):
        command[1:1] = ["-i", os.environ["INVENTORY_PATH"]]
    if check_mode:
        command.append("--check")
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    os.remove(vars_path)
    texts = {"stdout": done.stdout, "stderr": done.stderr}
    for name, path in (("ansible log", log_path), ("results", results_path)):
        # A run that failed early wrote no results; the exit status already reports it.
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                texts[name] = handle.read()
    return done.returncode, texts


def main():
    workdir = tempfile.mkdtemp(prefix="nvair-secrets-")
    emulator_log = os.path.join(workdir, "emulator.log")
    problems = []
    with EmulatorProcess(dataset="demo", token=TOKEN, complete_after=0, log=emulator_log) as emu:
        for check_mode in (False, True):
            tag = "--check" if check_mode else "apply"
            status, texts = run_playbook(workdir, emu, check_mode)
            if status != 0:
                tail = texts["stdout"][-3000:] + texts["stderr"][-2000:]
                safe = tail.replace(TOKEN, "********").replace(WRONG_TOKEN, "********")
                problems.append(f"{tag}: ansible-playbook exited {status}:\n{safe}")
            for name, text in texts.items():
                for what in leaks(text):
                    problems.append(f"{tag}: the {what} appears in {name}")
            combined = texts["stdout"] + texts["stderr"]
            if not check_mode:
                for path, marker in MARKERS.items():
                    if marker not in combined:
                        problems.append(f"{tag}: the {path} path did not run ({marker!r} missing)")
            size = sum(len(text) for text in texts.values())
            print(f"{tag}: searched {size} characters of output, log and results")
        emulator_stderr = emu.stderr_text()
    with open(emulator_log, encoding="utf-8") as handle:
        log_text = handle.read()
    for name, text in (("emulator log", log_text), ("emulator stderr", emulator_stderr)):
        for what in leaks(text):
            problems.append(f"the {what} appears in the {name}")
    print(f"emulator log: {len(log_text.splitlines())} requests, searched")
    if problems:
        print("FAIL:\n" + "\n".join(problems), file=sys.stderr)
        sys.exit(1)
    print(f"no token in any output: {len(MARKERS)} paths checked, with and without --check")


if __name__ == "__main__":
    main()
