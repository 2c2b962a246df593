#!/usr/bin/env python3
"""A webhook receiver for tests/integration/t55-webhooks.sh (standard library only).

Verifies every message independently of the C code, from the Standard Webhooks
spec (standardwebhooks.com): the signed content is "<webhook-id>.<webhook-timestamp>.<body>",
the key the base64 after "whsec_", HMAC-SHA256, the header "v1,<base64>" (one of
several, space-separated); the timestamp within 5 minutes of now.

Usage: webhook_receiver.py DIR [--port N]
  DIR/port          the port it listens on (written once listening; 127.0.0.1)
  DIR/secrets       lines "NAME SECRET": the secret of /hook/NAME (read per request)
  DIR/mode.NAME     how /hook/NAME answers: "ok" (default, 200), "500", "hang"
                    (never answers), "slow N" (answers 200 after N seconds)
  DIR/log           one JSON line per message received, before answering:
                    {"name", "id", "timestamp", "signature", "body", "valid", "why", "dup"}
                    where dup says whether an earlier message with this id was
                    accepted (a receiver deduplicates by webhook-id).
Being down (port closed) is the test stopping this process and starting it again
on the same port.
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE = 300
DIR = sys.argv[1]
LOCK = threading.Lock()
SEEN = set()


def secrets():
    out = {}
    try:
        with open(os.path.join(DIR, "secrets")) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2:
                    out[parts[0]] = parts[1]
    except FileNotFoundError:
        pass
    return out


def mode(name):
    try:
        with open(os.path.join(DIR, "mode." + name)) as f:
            return f.read().strip() or "ok"
    except FileNotFoundError:
        return "ok"


def verify(secret, msg_id, ts, body, header):
    """None when the message is authentic and fresh, else why not."""
    if not (msg_id and ts and header):
        return "missing webhook-id, webhook-timestamp or webhook-signature"
    try:
        t = int(ts)
    except ValueError:
        return "timestamp is not a number"
    if abs(time.time() - t) > TOLERANCE:
        return "timestamp outside the tolerance"
    key = base64.b64decode(secret[len("whsec_"):] if secret.startswith("whsec_") else secret)
    signed = msg_id.encode() + b"." + ts.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for sig in header.split(" "):
        version, _, value = sig.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return None
    return "no matching v1 signature"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        name = self.path.rsplit("/", 1)[-1]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if 0 < length <= 1 << 20 else b""
        msg_id = self.headers.get("webhook-id", "")
        secret = secrets().get(name)
        why = verify(secret, msg_id, self.headers.get("webhook-timestamp", ""), body,
                     self.headers.get("webhook-signature", "")) if secret else "no secret for " + name
        with LOCK:
            dup = msg_id in SEEN
            if why is None:
                SEEN.add(msg_id)
            with open(os.path.join(DIR, "log"), "a") as f:
                f.write(json.dumps({"name": name, "id": msg_id,
                                    "timestamp": self.headers.get("webhook-timestamp"),
                                    "signature": self.headers.get("webhook-signature"),
                                    "content_type": self.headers.get("Content-Type"),
                                    "body": body.decode("utf-8", "replace"),
                                    "valid": why is None, "why": why, "dup": dup}) + "\n")
        m = mode(name)
        if m == "hang":
            while mode(name) == "hang":
                time.sleep(0.1)
            return
        if m.startswith("slow"):
            time.sleep(float(m.split()[1]))
        code = 401 if why else 500 if m == "500" else 200
        self.send_response(code)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


def main():
    port = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--port" else 0
    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer.daemon_threads = True
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    # The log survives a restart: deduplication too.
    try:
        with open(os.path.join(DIR, "log")) as f:
            for line in f:
                rec = json.loads(line)
                if rec["valid"]:
                    SEEN.add(rec["id"])
    except FileNotFoundError:
        pass
    tmp = os.path.join(DIR, "port.tmp")
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, os.path.join(DIR, "port"))
    server.serve_forever()


if __name__ == "__main__":
    main()
