"""Start the Air emulator as a subprocess and drive its admin API (standard library only).

    with EmulatorProcess(dataset="demo") as emu:
        emu.base_url        # http://127.0.0.1:PORT/api/v3
        emu.fault(kind="status", status=503, count=2, method="GET")
        emu.counters()["by_route"]

Used by the contract suite, the benchmarks and the demo. The token is random unless given and
is never printed; `repr()` of the object leaves it out.
"""

import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.parse

EMULATOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "air_emulator.py")


class EmulatorError(RuntimeError):
    pass


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return f"<Response {self.status} {self.body[:200]!r}>"


class EmulatorProcess:
    def __init__(
        self,
        dataset="demo",
        token=None,
        *,
        complete_after=None,
        latency_ms=None,
        seed=None,
        anchor=None,
        state_file=None,
        auto_delete_limit=None,
        protect_favorites=False,
        log=None,
        extra_args=(),
        python=None,
        startup_timeout=60.0,
    ):
        self.token = token or secrets.token_hex(16)
        self.dataset = dataset
        options = {
            "--complete-after": complete_after,
            "--latency-ms": latency_ms,
            "--seed": seed,
            "--anchor": anchor,
            "--state-file": state_file,
            "--auto-delete-limit": auto_delete_limit,
            "--log": log,
        }
        # AIR_EMULATOR_PYTHON runs the emulator under another interpreter than the tests.
        python = python or os.environ.get("AIR_EMULATOR_PYTHON") or sys.executable
        self.args = [python, EMULATOR, "--port", "0", "--dataset", str(dataset)]
        for flag, value in options.items():
            if value is not None:
                self.args += [flag, str(value)]
        if protect_favorites:
            self.args.append("--protect-favorites")
        self.args += list(extra_args)
        self.startup_timeout = startup_timeout
        self.process = None
        self.base_url = self.root_url = None
        self.host = self.port = None

    def __repr__(self):
        return f"<EmulatorProcess {self.base_url or 'not started'}>"

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- process ----------------------------------------------------------------------

    def start(self):
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process
        # The token travels in the child's environment, not its argument list, so it stays
        # out of the process list and cannot be mistaken for an option.
        self.process = subprocess.Popen(
            self.args,
            env={**os.environ, "AIR_EMULATOR_TOKEN": self.token},
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        lines = []
        reader = threading.Thread(target=lambda: lines.append(self.process.stdout.readline()))
        reader.daemon = True
        reader.start()
        reader.join(self.startup_timeout)
        line = lines[0].strip() if lines else ""
        if not line.endswith("/api/v3"):
            self.stop()
            raise EmulatorError(f"emulator did not start: {self.stderr_text()[-2000:]}")
        self.base_url = line.split()[-1]
        self.root_url = self.base_url[: -len("/api/v3")]
        parsed = urllib.parse.urlsplit(self.root_url)
        self.host, self.port = parsed.hostname, parsed.port
        return self

    def stop(self, timeout=10.0):
        """SIGTERM and wait; returns the exit code (None if it was never started)."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()
        return self.process.returncode

    def stderr_text(self):
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")

    # -- HTTP -------------------------------------------------------------------------

    def request(
        self, method, path, *, params=None, json_body=None, body=None, token=..., headers=None
    ):
        """One request on a fresh connection. `path` is relative to base_url unless it starts
        with "/". ``token=None`` sends no Authorization header; a string sends that token."""
        url = path if path.startswith("/") else "/api/v3/" + path
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
        sent = dict(headers or {})
        token = self.token if token is ... else token
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent.setdefault("Content-Type", "application/json")
        if isinstance(body, str):
            body = body.encode()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request(method, url, body=body, headers=sent)
            answer = connection.getresponse()
            return Response(answer.status, dict(answer.getheaders()), answer.read())
        finally:
            connection.close()

    def admin(self, method, path, body=None):
        answer = self.request(method, "/_emulator/" + path, json_body=body)
        if answer.status != 200:
            raise EmulatorError(f"{method} /_emulator/{path}: {answer.status} {answer.body!r}")
        return answer.json()

    # -- admin API --------------------------------------------------------------------

    def counters(self):
        return self.admin("GET", "counters")

    def fault(self, kind="status", **options):
        """Queue a fault: kind status/delay/drop; status, count, method, path, retry_after,
        delay_ms, exact, processed (see docs/emulator.md)."""
        return self.admin("POST", "faults", {"kind": kind, **options})

    def clear_faults(self):
        return self.admin("DELETE", "faults")

    def reset(self, counters=True, faults=True):
        return self.admin("POST", "reset", {"counters": counters, "faults": faults})

    def load(self, dataset=None, *, generate=None, data=None):
        """Replace all data: a dataset name, generator options, or a dataset dict."""
        if generate is not None:
            return self.admin("POST", "dataset", {"generate": generate})
        if data is not None:
            return self.admin("POST", "dataset", {"data": data})
        return self.admin("POST", "dataset", {"dataset": dataset or "demo"})

    def settings(self, **changes):
        if not changes:
            return self.admin("GET", "settings")
        return self.admin("PUT", "settings", changes)

    def health(self):
        return self.request("GET", "/_emulator/health", token=None).json()
