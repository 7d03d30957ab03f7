#!/usr/bin/env python3
"""A fake OAuth 2.0 token endpoint for bench/run.sh: loopback only, counts every POST.

POST <any path>   client-credentials grant: answers
                  {"access_token": "<~1.2 kB JWT-like string>", "token_type": "Bearer", "expires_in": 3600}
                  after --delay-ms; a request whose scope is --hold-scope is held until GET /release (or for at
                  most --max-hold seconds), so a benchmark can park a broker's first fetch while it fires a burst.
GET /stats        {"posts": {scope: count}, "answered_at": {scope: [epoch seconds, ...]}, "held": n}
GET /release      lets held requests go.

It picks a free port and writes it to --port-file, so that no port is guessed; or it listens on --port (the
container tests: a pod has a loopback of its own). Standard library only.
"""

import argparse
import os
import base64
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def make_token(serial: int, scope: str) -> str:
    """A JWT-shaped string of about 1.2 kB: header.payload.signature, like an Entra app-only token."""
    now = int(time.time())
    header = {"typ": "JWT", "alg": "RS256", "x5t": "bench-x5t-0123456789abcdef", "kid": "bench-kid-0123456789abcdef"}
    payload = {
        "aud": scope.removesuffix("/.default"),
        "iss": "https://sts.windows.net/00000000-0000-0000-0000-000000000000/",
        "iat": now, "nbf": now, "exp": now + 3600,
        "aio": "E2NgYJjxbench",
        "app_displayname": "token-broker-bench",
        "appid": "11111111-1111-1111-1111-111111111111",
        "appidacr": "1",
        "idp": "https://sts.windows.net/00000000-0000-0000-0000-000000000000/",
        "idtyp": "app",
        "oid": "22222222-2222-2222-2222-222222222222",
        "roles": ["User.Read.All", "Group.Read.All"],
        "sub": "22222222-2222-2222-2222-222222222222",
        "tid": "00000000-0000-0000-0000-000000000000",
        "uti": "bench%08d" % serial,
        "ver": "1.0",
        "xms_tcdt": 1600000000,
    }
    signature = (b"\x5a" * 256)  # an RS256 signature is 256 bytes: 342 base64url characters
    return ".".join([b64url(json.dumps(header, separators=(",", ":")).encode()),
                     b64url(json.dumps(payload, separators=(",", ":")).encode()),
                     b64url(signature)])


class State:
    def __init__(self, hold_scope, max_hold, delay_ms):
        self.lock = threading.Lock()
        self.posts = {}
        self.answered_at = {}
        self.serial = 0
        self.held = 0
        self.release = threading.Event()
        self.hold_scope = hold_scope
        self.max_hold = max_hold
        self.delay = delay_ms / 1000.0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state: State = None

    def log_message(self, fmt, *args):  # quiet: the benchmark reads /stats
        pass

    def _send(self, status, body: bytes, content_type="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        st = self.state
        if self.path == "/stats":
            with st.lock:
                body = json.dumps({"posts": st.posts, "answered_at": st.answered_at, "held": st.held}).encode()
            self._send(200, body)
        elif self.path == "/release":
            st.release.set()
            self._send(200, b'{"released":true}')
        else:
            self._send(404, b'{"error":"not_found"}')

    def do_POST(self):
        st = self.state
        length = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(length).decode("utf-8", "replace"))
        scope = (form.get("scope") or [""])[0]
        with st.lock:
            st.posts[scope] = st.posts.get(scope, 0) + 1
            st.serial += 1
            serial = st.serial
        if form.get("grant_type", [""])[0] != "client_credentials":
            self._send(400, b'{"error":"unsupported_grant_type"}')
            return
        if st.delay:
            time.sleep(st.delay)
        if st.hold_scope and scope == st.hold_scope:
            with st.lock:
                st.held += 1
            st.release.wait(st.max_hold)
            with st.lock:
                st.held -= 1
        body = json.dumps({"access_token": make_token(serial, scope), "token_type": "Bearer",
                           "expires_in": 3600}).encode()
        with st.lock:
            st.answered_at.setdefault(scope, []).append(time.time())
        self._send(200, body)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", help="where to write the port (required unless --port is given)")
    p.add_argument("--port", type=int, default=0, help="a fixed port (e.g. in a pod, which has its own loopback)")
    p.add_argument("--hold-scope", default="")
    p.add_argument("--max-hold", type=float, default=10.0)
    p.add_argument("--delay-ms", type=float, default=0.0)
    args = p.parse_args()
    if not args.port_file and not args.port:
        p.error("--port-file is required unless --port is given")
    Handler.state = State(args.hold_scope, args.max_hold, args.delay_ms)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(server.server_address[1]))
        os.replace(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
