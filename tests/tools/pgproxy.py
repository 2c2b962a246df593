#!/usr/bin/env python3
"""A PostgreSQL wire-protocol proxy that can lose a commit's answer.

Listens on 127.0.0.1 (port 0: any; the port is written to PORTFILE) and
relays every connection to the server's unix socket.  When the file ARM
exists and names a prepared statement (say insert_trucks) or COMMIT, the
first session that executes it is cut after the server has answered with
ReadyForQuery, before the client sees any of that answer: the server has
committed, the client learns nothing.  ARM may also name two things as
"FIRST>THEN" (say insert_staged>COMMIT): the first session that executes
FIRST has its next THEN cut, whatever other sessions commit meanwhile.  ARM
is removed when it is taken, and FIRED is written when the cut is made.  While the file BLOCK exists (optional), new
sessions are refused, as a database that cannot be reached refuses them.
For the tests of lost commits; never in production.

Usage: pgproxy.py SOCKET PORTFILE ARM FIRED [BLOCK]
"""
import os
import select
import socket
import struct
import sys
import threading

SOCK, PORTFILE, ARM, FIRED = sys.argv[1:5]
BLOCK = sys.argv[5] if len(sys.argv) > 5 else None
arm_lock = threading.Lock()


def executes(kind, payload, want):
    """Does this client message execute want (a prepared statement's name or SQL)?"""
    if kind == b"B":  # Bind: portal name, then statement name, NUL-terminated
        portal_end = payload.index(b"\0")
        stmt = payload[portal_end + 1:payload.index(b"\0", portal_end + 1)].decode()
        return stmt == want
    if kind == b"Q":
        return payload.rstrip(b"\0").decode(errors="replace").strip().upper() == want.upper()
    return False


def armed_for(kind, payload):
    """What this client message takes from ARM: None, or what to cut ("" now)."""
    with arm_lock:
        try:
            want = open(ARM).read().strip()
        except FileNotFoundError:
            return None
        first, _, then = want.partition(">")
        if not executes(kind, payload, first):
            return None
        os.unlink(ARM)
        return then


class Stream:
    """Splits one direction's bytes into protocol messages (after startup)."""

    def __init__(self, startup):
        self.buf = b""
        self.startup = startup  # the client's first message has no type byte

    def feed(self, data):
        self.buf += data
        out = []
        while True:
            if self.startup:
                if len(self.buf) < 4:
                    break
                n = struct.unpack("!I", self.buf[:4])[0]
                if len(self.buf) < n:
                    break
                out.append((None, self.buf[:n]))
                self.buf = self.buf[n:]
                self.startup = False
                continue
            if len(self.buf) < 5:
                break
            n = struct.unpack("!I", self.buf[1:5])[0]
            if len(self.buf) < n + 1:
                break
            out.append((self.buf[:1], self.buf[:n + 1]))
            self.buf = self.buf[n + 1:]
        return out


def relay(client):
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.connect(SOCK)
    up, down = Stream(True), Stream(False)
    doomed = False
    then = None  # this session cuts its next execution of this
    held = []
    try:
        while True:
            r, _, _ = select.select([client, server], [], [])
            if client in r:
                data = client.recv(65536)
                if not data:
                    return
                for kind, msg in up.feed(data):
                    if kind in (b"B", b"Q"):
                        if then is not None and executes(kind, msg[5:], then):
                            doomed = True
                        elif then is None:
                            took = armed_for(kind, msg[5:])
                            if took == "":
                                doomed = True
                            elif took:
                                then = took
                    server.sendall(msg)
            if server in r:
                data = server.recv(65536)
                if not data:
                    return
                for kind, msg in down.feed(data):
                    if not doomed:
                        client.sendall(msg)
                        continue
                    held.append(msg)
                    if kind == b"Z":  # committed and answered: lose the answer
                        open(FIRED, "w").write("fired\n")
                        return
    finally:
        client.close()
        server.close()


def main():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    with open(PORTFILE + ".tmp", "w") as f:
        f.write(str(listener.getsockname()[1]))
    os.rename(PORTFILE + ".tmp", PORTFILE)
    while True:
        client, _ = listener.accept()
        # As a PostgreSQL server does: no Nagle delay on the answers it relays.
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if BLOCK and os.path.exists(BLOCK):
            client.close()
            continue
        threading.Thread(target=relay, args=(client,), daemon=True).start()


if __name__ == "__main__":
    main()
