#!/usr/bin/env python3
"""A local OAuth 2.0 token server for the C, Python and demo runs of liboauthcc.

POST /oauth/token    client_credentials and refresh_token grants (Basic or body client auth)
POST /oauth/revoke   RFC 7009 revocation: 200 with an empty body
GET  /api/hello      a resource server: 200 with a valid, unrevoked bearer token, else 401
POST /error/html     502 with an HTML page          POST /error/notjson  200 with plain text
POST /slow           answers after 2 s               POST /redirect       302 to /oauth/token
POST /flaky          503, then a token, alternately  POST /busy           429 Retry-After: 0, then a token
POST /reset          resets the connection (RST)     POST /big            a 10 MiB body
POST /badutf8        200 with invalid UTF-8          POST /truncated      200 with truncated JSON
POST /echo           400 invalid_request echoing the body and headers, JSON escaped as PHP does ("\\/")
POST /echo/u         the same with every non-alphanumeric character of a string \\u-escaped
POST /echo/text      500 text/plain: the body, then every header, verbatim
GET  /requests       the requests recorded so far, as JSON

Usage: token_server.py [--port N] [--port-file PATH] [--client-id ID] [--client-secret SECRET]
"""

import argparse
import os
import base64
import io
import json
import secrets
import socket
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class State:
    def __init__(self, client_id, client_secret):
        self.client_id = client_id
        self.client_secret = client_secret
        self.lock = threading.Lock()
        self.issued = {}  # access token -> expiry (epoch seconds)
        self.refresh_tokens = set()
        self.revoked = set()
        self.requests = []
        self.hits = {}  # path -> POSTs so far, for the alternating misbehaviours


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state: State = None

    def log_message(self, format, *args):  # quiet: the tests print what matters
        pass

    def reply(self, status, body=b"", content_type="application/json", extra_headers=()):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra_headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def read_params(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        self.raw_body = raw.decode("latin-1")  # verbatim, byte for byte, for the echo endpoints
        content_type = self.headers.get("Content-Type", "")
        if content_type.startswith("application/json"):
            params = json.loads(raw or b"{}")
        else:
            params = dict(urllib.parse.parse_qsl(raw.decode(), keep_blank_values=True))
        with self.state.lock:
            self.state.requests.append({
                "method": self.command, "path": self.path, "body": raw.decode(errors="replace"),
                "headers": {k.lower(): v for k, v in self.headers.items()},
            })
        return params

    def client_authenticated(self, params):
        header = self.headers.get("Authorization", "")
        if header.startswith("Basic "):
            decoded = base64.b64decode(header[6:]).decode()
            user, _, password = decoded.partition(":")
            user, password = urllib.parse.unquote_plus(user), urllib.parse.unquote_plus(password)
        else:
            user, password = params.get("client_id"), params.get("client_secret")
        return user == self.state.client_id and password == self.state.client_secret

    def issue(self, scope, refresh_token=None):
        access_token = secrets.token_urlsafe(24)
        refresh_token = refresh_token or secrets.token_urlsafe(24)
        with self.state.lock:
            self.state.issued[access_token] = time.time() + 3600
            self.state.refresh_tokens.add(refresh_token)
        token = {"access_token": access_token, "token_type": "Bearer", "expires_in": 3600,
                 "refresh_token": refresh_token}
        if scope:
            token["scope"] = scope
        return token

    def do_POST(self):
        params = self.read_params()
        if self.path == "/oauth/token":
            return self.token(params)
        if self.path == "/oauth/revoke":
            if not self.client_authenticated(params):
                return self.reply(401, {"error": "invalid_client"})
            with self.state.lock:
                self.state.revoked.add(params.get("token"))
            return self.reply(200, b"", "text/plain")
        if self.path == "/error/html":
            return self.reply(502, b"<html><body>Bad Gateway</body></html>", "text/html")
        if self.path == "/error/notjson":
            return self.reply(200, b"this is not json", "text/plain")
        if self.path == "/slow":
            time.sleep(2)
            return self.reply(200, {"access_token": "late"})
        if self.path == "/redirect":
            return self.reply(302, b"", "text/plain", [("Location", "/oauth/token")])
        if self.path == "/reset":
            return self.reset()
        if self.path == "/big":
            return self.reply(200, b" " * (10 * 1024 * 1024))
        if self.path == "/badutf8":
            return self.reply(200, b'{"access_token":"\xff\xfe"}')
        if self.path == "/truncated":
            return self.reply(200, b'{"access_token":"abc')
        if self.path == "/echo":
            return self.reply(400, php_json(self.echo_error()).encode())
        if self.path == "/echo/u":
            return self.reply(400, u_escaped_json(self.echo_error()).encode())
        if self.path == "/echo/text":
            return self.reply(500, self.echo_text().encode("latin-1"), "text/plain")
        if self.path in ("/flaky", "/busy"):
            with self.state.lock:
                hits = self.state.hits[self.path] = self.state.hits.get(self.path, 0) + 1
            if hits % 2 == 1 and self.path == "/flaky":
                return self.reply(503, b"busy", "text/plain")
            if hits % 2 == 1:
                return self.reply(429, {"error": "slow_down"}, extra_headers=[("Retry-After", "0")])
            return self.reply(200, self.issue(params.get("scope")))
        return self.reply(404, {"error": "not_found"})

    def echo_error(self):
        """An RFC 6749 error that repeats the request: what a careless server does with a bad one."""
        authorization = self.headers.get("Authorization", "")
        return {
            "error": "invalid_request",
            "error_description": f"cannot parse {self.raw_body} (Authorization: {authorization})",
            "request_body": self.raw_body,
            "request_headers": dict(self.headers.items()),
        }

    def echo_text(self):
        headers = "".join(f"{name}: {value}\n" for name, value in self.headers.items())
        return f"{self.raw_body}\n{headers}"

    def reset(self):
        """Closes with a TCP reset (SO_LINGER 0) instead of answering."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True
        self.wfile = io.BytesIO()  # the handler's final flush goes nowhere

    def token(self, params):
        if not self.client_authenticated(params):
            return self.reply(401, {"error": "invalid_client", "error_description": "client authentication failed"})
        grant_type = params.get("grant_type")
        if grant_type == "client_credentials":
            return self.reply(200, self.issue(params.get("scope")))
        if grant_type == "refresh_token":
            if params.get("refresh_token") not in self.state.refresh_tokens:
                return self.reply(400, {"error": "invalid_grant", "error_description": "unknown refresh token"})
            return self.reply(200, self.issue(params.get("scope"), params.get("refresh_token")))
        return self.reply(400, {"error": "unsupported_grant_type"})

    def do_GET(self):
        if self.path == "/requests":
            with self.state.lock:
                return self.reply(200, list(self.state.requests))
        if self.path == "/api/hello":
            header = self.headers.get("Authorization", "")
            token = header[7:] if header.startswith("Bearer ") else None
            with self.state.lock:
                valid = token in self.state.issued and token not in self.state.revoked \
                    and self.state.issued[token] > time.time()
            if valid:
                return self.reply(200, {"hello": "world"})
            return self.reply(401, {"error": "invalid_token"}, extra_headers=[("WWW-Authenticate", "Bearer")])
        return self.reply(404, {"error": "not_found"})


def php_json(document):
    """JSON as PHP's json_encode writes it: "/" escaped as "\\/"."""
    return json.dumps(document).replace("/", "\\/")


def u_escaped_json(value):
    """JSON whose strings have every non-alphanumeric character \\u-escaped (a legal spelling)."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{u_escaped_json(k)}:{u_escaped_json(v)}" for k, v in value.items()) + "}"
    return '"' + "".join(map(u_escaped_char, value)) + '"'


def u_escaped_char(c):
    if c.isascii() and c.isalnum():
        return c
    if ord(c) > 0xFFFF:
        return json.dumps(c)[1:-1]  # a surrogate pair
    return f"\\u{ord(c):04x}"


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that gave up (timeout tests) is expected; anything else is reported.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file")
    parser.add_argument("--client-id", default="demo-client")
    parser.add_argument("--client-secret", default="demo-secret")
    args = parser.parse_args()
    Handler.state = State(args.client_id, args.client_secret)
    server = QuietServer(("127.0.0.1", args.port), Handler)
    port = server.server_address[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(port))
        os.replace(args.port_file + ".tmp", args.port_file)
    print(f"token server listening on http://127.0.0.1:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
