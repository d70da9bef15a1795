"""A local emulator of the NVIDIA Air v3 API for checkpoints (standard library only).

    AIR_EMULATOR_TOKEN=TOKEN python3 tests/emulator/air_emulator.py --port 0 --dataset demo
    python3 tests/emulator/air_emulator.py --port 0 --token=TOKEN --dataset demo

It prints one line ending in the API base URL once it is ready, serves until SIGINT or
SIGTERM, then exits 0. docs/emulator.md describes the options, the admin API under
/_emulator/ and which of the contract's §8 assumptions it implements.
"""

import argparse
import contextlib
import hmac
import json
import os
import re
import signal
import socket
import sys
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# The sibling modules are imported by name so the file runs as a plain script.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import emulator_admin as admin
import emulator_api as api
from emulator_data import load_named
from emulator_store import DatasetError, Store

MAX_BODY = 1024 * 1024
_HOST_HEADER = re.compile(r"^[A-Za-z0-9.\-]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$")


class Emulator:
    """Everything a request handler needs, shared by all handler threads."""

    def __init__(self, store, settings, token, log_path=None):
        self.store = store
        self.settings = settings
        self.token = token
        self.counters = admin.Counters()
        self.faults = admin.Faults()
        self.log_lock = threading.Lock()
        self.log_file = open(log_path, "a", encoding="utf-8") if log_path else None  # noqa: SIM115

    def log(self, method, path, status):
        if self.log_file:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            with self.log_lock:
                self.log_file.write(f"{stamp} {method} {path} {status}\n")
                self.log_file.flush()

    def admin(self, method, path, body):
        """(status, body) for an authenticated /_emulator/ call."""
        route = (method, path.rstrip("/"))
        try:
            if route == ("POST", "/_emulator/faults"):
                fault = self.faults.add(body)
                return 200, {"added": fault, "faults": self.faults.snapshot()}
            if route == ("GET", "/_emulator/faults"):
                return 200, {"faults": self.faults.snapshot()}
            if route == ("DELETE", "/_emulator/faults"):
                self.faults.clear()
                return 200, {"faults": []}
            if route == ("GET", "/_emulator/counters"):
                return 200, self.counters.snapshot()
            if route == ("POST", "/_emulator/reset"):
                if body.get("counters", True):
                    self.counters.clear()
                if body.get("faults", True):
                    self.faults.clear()
                return 200, {"counters": self.counters.snapshot(), "faults": self.faults.snapshot()}
            if route == ("POST", "/_emulator/dataset"):
                return 200, admin.load_dataset(self, body)
            if route == ("PUT", "/_emulator/settings"):
                return 200, admin.update_settings(self.settings, body)
            if route == ("GET", "/_emulator/settings"):
                return 200, self.settings.public()
        except admin.AdminError as err:
            return 400, {"detail": str(err)}
        return 404, api.NOT_FOUND


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so clients can reuse connections
    server_version = "AirEmulator/1.0"
    sys_version = ""
    timeout = 120  # idle keep-alive connections give their thread back eventually

    def setup(self):
        super().setup()
        # Headers and body go out in two writes; without NODELAY, Nagle's algorithm and the
        # client's delayed ACK stall every keep-alive response by about 40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format, *args):
        # The request log is written by Emulator.log; the default one would go to stderr.
        pass

    def do_GET(self):
        self._dispatch()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_OPTIONS = do_GET

    def _dispatch(self):
        emu = self.server.emulator
        split = urllib.parse.urlsplit(self.path)
        path = split.path
        try:
            body = self._read_body()
            if body is None:
                return
            if path.rstrip("/") == "/_emulator/health":
                self._send(200, {"ok": True})
                return
            if path.startswith("/_emulator/"):
                self._admin(emu, path, body)
                return
            self._api(emu, path, split.query, body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:
            # Only a bug in the emulator gets here; the contract suite checks bad input never does.
            traceback.print_exc(file=sys.stderr)
            emu.counters.internal_error()
            self._send(500, {"detail": "Internal emulator error."})

    def _authorized(self, emu):
        scheme, _space, credentials = self.headers.get("Authorization", "").partition(" ")
        if not credentials or scheme.lower() != "bearer":
            self._send(403, {"detail": "Authentication credentials were not provided."})
            return False
        if not hmac.compare_digest(credentials.strip().encode(), emu.token.encode()):
            self._send(403, {"detail": "Invalid token."})
            return False
        return True

    def _admin(self, emu, path, body):
        if not self._authorized(emu):
            return
        data = {}
        if body.strip():
            try:
                data = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError, RecursionError) as err:
                self._send(400, {"detail": f"JSON parse error - {err}"})
                return
        if not isinstance(data, dict):
            self._send(400, {"detail": "The body must be a JSON object."})
            return
        self._send(*emu.admin(self.command, path, data))

    def _api(self, emu, path, query, body):
        template = api.match(path)[0]
        emu.counters.count(self.command, template)
        if not self._authorized(emu):
            emu.counters.status(403)
            return
        fault = emu.faults.take(self.command, template, path)
        if fault and fault["kind"] == "delay":
            time.sleep(fault["delay_ms"] / 1000)
            fault = None
        if fault and not fault["processed"]:
            self._fault(emu, fault)
            return

        request = api.Request(self.command, path, query, body, self._root_url())
        status, payload = api.handle(request, emu)
        if fault:
            self._fault(emu, fault)
            return
        if emu.settings.latency_ms:
            time.sleep(emu.settings.latency_ms / 1000)
        emu.counters.status(status)
        self._send(status, payload)

    def _fault(self, emu, fault):
        if fault["kind"] == "drop":
            emu.counters.status("dropped")
            emu.log(self.command, self.path.split("?")[0], "dropped")
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        headers = []
        if "retry_after" in fault:
            headers.append(("Retry-After", str(fault["retry_after"])))
        emu.counters.status(fault["status"])
        self._send(fault["status"], {"detail": f"Emulated fault {fault['status']}."}, headers)

    def _root_url(self):
        # next/previous must work from the client's point of view, so use the Host it sent.
        host = self.headers.get("Host", "")
        if not _HOST_HEADER.match(host):
            address, port = self.server.server_address[:2]
            host = f"{address}:{port}"
        return f"http://{host}"

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            self._send(400, {"detail": "Chunked bodies are not supported; send Content-Length."})
            return None
        length = self.headers.get("Content-Length", "").strip()
        if not length:
            return b""
        if not length.isdigit() or int(length) > MAX_BODY:
            self.close_connection = True
            self._send(400, {"detail": f"Content-Length must be an integer up to {MAX_BODY}."})
            return None
        body = self.rfile.read(int(length))
        if len(body) < int(length):
            self.close_connection = True
            self._send(400, {"detail": "The request body ended before Content-Length bytes."})
            return None
        return body

    def _send(self, status, payload, headers=()):
        data = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if status != 204:
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.server.emulator.log(self.command, self.path.split("?")[0], status)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # 32 clients connecting at once must not overflow the backlog

    def handle_error(self, request, client_address):
        # A client that hangs up on a keep-alive connection is normal, not worth a traceback.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Local emulator of the NVIDIA Air v3 API.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one")
    parser.add_argument(
        "--token",
        default=os.environ.get("AIR_EMULATOR_TOKEN"),
        help="the only accepted bearer token (default: $AIR_EMULATOR_TOKEN, which keeps it "
        "out of the process list)",
    )
    parser.add_argument("--dataset", default="demo", help="empty, demo or a JSON file")
    parser.add_argument("--state-file", help="SQLite file that keeps state across restarts")
    parser.add_argument(
        "--complete-after",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="how long actions take; a new checkpoint stays PENDING this long",
    )
    parser.add_argument("--latency-ms", type=int, default=0, help="delay added per API response")
    parser.add_argument("--seed", type=int, default=1, help="seed for the generated datasets")
    parser.add_argument(
        "--anchor",
        help="YYYY-MM-DD the generated data ends at (default: today, 00:00 UTC)",
    )
    parser.add_argument(
        "--auto-delete-limit",
        type=int,
        default=3,
        help="COMPLETE checkpoints kept per simulation when a new one completes; 0 disables",
    )
    parser.add_argument(
        "--protect-favorites",
        action="store_true",
        help="never auto-delete favourites, even when every COMPLETE checkpoint is one",
    )
    parser.add_argument("--log", help="append one line per request (method, path, status)")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("give the bearer token with --token=TOKEN or $AIR_EMULATOR_TOKEN")
    if not 0 <= args.complete_after <= 10**7 or not 0 <= args.latency_ms <= 600_000:
        parser.error("--complete-after must be 0 to 10**7 seconds, --latency-ms 0 to 600000")
    if args.auto_delete_limit < 0:
        parser.error("--auto-delete-limit must be >= 0")
    return args


def load_initial(store, args):
    if args.state_file and not store.is_empty():
        print(f"air-emulator: kept the data in {args.state_file}", file=sys.stderr)
        return
    if args.dataset in ("empty", "demo"):
        data = load_named(args.dataset, args.seed, args.anchor)
    else:
        with open(args.dataset, encoding="utf-8") as handle:
            data = json.load(handle)
    store.load(data)


def main(argv=None):
    args = parse_args(argv)
    settings = admin.Settings(
        latency_ms=args.latency_ms,
        complete_after=args.complete_after,
        auto_delete_limit=args.auto_delete_limit,
        protect_favorites=args.protect_favorites,
        seed=args.seed,
        anchor=args.anchor,
    )
    store = Store(args.state_file)
    try:
        load_initial(store, args)
    except (OSError, ValueError, DatasetError) as err:
        print(f"air-emulator: cannot load dataset {args.dataset!r}: {err}", file=sys.stderr)
        return 2
    server = Server((args.host, args.port), Handler)
    server.emulator = Emulator(store, settings, args.token, args.log)

    def stop(_signum, _frame):
        # shutdown() waits for serve_forever, which runs in this thread: call it from another.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    host, port = server.server_address[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"Air emulator ready at http://{shown}:{port}/api/v3", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
