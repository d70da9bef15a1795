"""A TLS front and a counting forward proxy for the emulator, then tls_proxy.yml against them.

Everything listens on 127.0.0.1. The certificates are made here for this run: one
self-signed certificate for 127.0.0.1 (the server's), and an unrelated one used as a wrong
REQUESTS_CA_BUNDLE. The forward proxy handles absolute-URI requests (http://) and CONNECT
(https://), counts what it forwards and answers GET /_proxy/count itself, so the playbook can
tell whether a call went through it. Its request lines are kept to prove that the token never
travels in a URL.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import json
import os
import secrets
import socket
import ssl
import subprocess
import sys
import tempfile
import threading

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

# The shared setup target (needs/target/setup_emulator_harness) finds tests/emulator.
sys.path.insert(
    0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "setup_emulator_harness")
)
from emulator_harness import EmulatorProcess  # pylint: disable=wrong-import-position

TOKEN = "nvapi-TLSPROXYCANARY-" + secrets.token_hex(24)


def self_signed(directory, name):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = os.path.join(directory, f"{name}.pem")
    key_path = os.path.join(directory, f"{name}.key")
    with open(cert_path, "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as handle:
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return cert_path, key_path


def pump(source, target):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            target.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def splice(client, upstream):
    threading.Thread(target=pump, args=(client, upstream), daemon=True).start()
    threading.Thread(target=pump, args=(upstream, client), daemon=True).start()


class Listener:
    """Accepts on 127.0.0.1 in a daemon thread and hands each connection to handle()."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                client, _address = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.safe_handle, args=(client,), daemon=True).start()

    def safe_handle(self, client):
        try:
            self.handle(client)
        except (OSError, ValueError):
            client.close()

    def handle(self, client):
        raise NotImplementedError


class TlsFront(Listener):
    """TLS on the outside, the emulator's plain HTTP inside."""

    def __init__(self, cert, key, upstream_port):
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.upstream_port = upstream_port
        self.handshakes = 0
        super().__init__()

    def handle(self, client):
        try:
            wrapped = self.context.wrap_socket(client, server_side=True)
        except (ssl.SSLError, OSError):
            # A client that refuses the certificate ends here.
            client.close()
            return
        self.handshakes += 1
        splice(wrapped, socket.create_connection(("127.0.0.1", self.upstream_port)))


def read_head(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ValueError("connection closed before the request head")
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    return head.decode("latin-1").split("\r\n"), rest


class ForwardProxy(Listener):
    def __init__(self):
        self.forwarded = 0
        self.request_lines = []
        self.lock = threading.Lock()
        super().__init__()

    def handle(self, client):
        lines, rest = read_head(client)
        method, target, version = lines[0].split(" ", 2)
        if method == "GET" and target == "/_proxy/count":
            body = json.dumps({"forwarded": self.forwarded}).encode()
            client.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            client.close()
            return
        with self.lock:
            self.forwarded += 1
            self.request_lines.append(lines[0])
        if method == "CONNECT":
            host, port = target.rsplit(":", 1)
            if host != "127.0.0.1":
                raise ValueError("this proxy only reaches 127.0.0.1")
            upstream = socket.create_connection((host, int(port)))
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            if rest:
                upstream.sendall(rest)
            splice(client, upstream)
            return
        # Absolute URI: forward one request in origin form and close after the answer.
        without_scheme = target.split("://", 1)[1]
        authority, _slash, path = without_scheme.partition("/")
        host, _colon, port = authority.partition(":")
        if host != "127.0.0.1":
            raise ValueError("this proxy only reaches 127.0.0.1")
        headers = [
            line
            for line in lines[1:]
            if line.split(":", 1)[0].lower() not in ("connection", "proxy-connection")
        ]
        head = "\r\n".join([f"{method} /{path} {version}", *headers, "Connection: close"])
        upstream = socket.create_connection((host, int(port or 80)))
        upstream.sendall(head.encode("latin-1") + b"\r\n\r\n" + rest)
        splice(client, upstream)


def main():
    workdir = tempfile.mkdtemp(prefix="nvair-tls-")
    server_cert, server_key = self_signed(workdir, "server")
    other_cert, _other_key = self_signed(workdir, "unrelated-ca")
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()

    with EmulatorProcess(dataset="demo", token=TOKEN, complete_after=0) as emu:
        front = TlsFront(server_cert, server_key, emu.port)
        proxy = ForwardProxy()
        values = {
            "tp_http_url": emu.base_url,
            "tp_https_url": f"https://127.0.0.1:{front.port}/api/v3",
            "tp_token": TOKEN,
            "tp_ca": server_cert,
            "tp_other_ca": other_cert,
            "tp_proxy": f"http://127.0.0.1:{proxy.port}",
            "tp_dead_proxy": f"http://127.0.0.1:{closed_port}",
        }
        vars_path = os.path.join(workdir, "vars.json")
        with open(vars_path, "w", encoding="utf-8") as handle:
            json.dump(values, handle)
        command = ["ansible-playbook", "-e", f"@{vars_path}", "tls_proxy.yml"]
        if os.environ.get("INVENTORY_PATH"):
            command[1:1] = ["-i", os.environ["INVENTORY_PATH"]]
        # The playbook sets the proxy variables per task; none may leak in from outside.
        env = {
            k: v
            for k, v in os.environ.items()
            if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
            and k not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")
        }
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        os.remove(vars_path)
        output = done.stdout + done.stderr
        problems = []
        if done.returncode != 0:
            problems.append(f"tls_proxy.yml failed:\n{output[-4000:]}")
        if "validate_certs is false" not in output:
            problems.append("validate_certs: false gave no warning")
        if TOKEN in output:
            problems.append("the token appears in the playbook output")
        if any(TOKEN in line for line in proxy.request_lines):
            problems.append("the token travelled in a request line (URL)")
        if problems:
            print("FAIL:\n" + "\n".join(problems).replace(TOKEN, "********"), file=sys.stderr)
            sys.exit(1)
        print(
            f"TLS front: {front.handshakes} handshakes completed; proxy: {proxy.forwarded} "
            f"requests forwarded, {len(proxy.request_lines)} request lines without the token"
        )


if __name__ == "__main__":
    main()
