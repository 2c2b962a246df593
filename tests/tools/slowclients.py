#!/usr/bin/env python3
"""Slow clients from many addresses, and a well-behaved client measuring the
service they leave to everyone else (standard library only).

tests/integration/t83-slow-clients.sh (issue 16) runs the two sub-commands as
separate processes against one daemon: `attack` in the background holds a few
hundred slow connections open, `probe` meanwhile makes ordinary requests and
measures their latency and failures.  Each writes one JSON object to --out
(and to stdout) for the test to read with jq.

attack: asyncio; keeps up to --connections connections open at once, spread
    evenly over the --sources addresses (each socket bound to its source
    address before connecting).  A share --body-share of the connection slots
    is slow-BODY, the rest slow-HEADER:
      slow-header  "GET / HTTP/1.1\\r\\nHost: x\\r\\n", then one "X-Slow-<n>: y"
                   header line a second, never the blank line ending the headers;
      slow-body    a complete POST /api/v1/reports header block with
                   Content-Length 100000 and a token of --tokens (alternating by
                   slot), then 8 bytes of body a second, never finishing.
    When the server closes a connection (EOF, reset) or answers anything (the
    status code of its first line is counted), or a connect fails or takes
    over 5 s, the slot tries again after --reconnect-delay seconds; a slot
    never tries twice within that delay.  At --duration it closes everything
    and exits.  Output:
      {"connects", "connect_failures",
       "closed_by_server": {"header", "body"}   connections the server ended
                                                 (EOF, reset, or an answer),
       "answers": {"429": N, ...}                 status codes of those answers
                                                 ("?" when no status line),
       "peak_open", "open_at_end"                 connections established and not
                                                 yet closed (tracked exactly; a
                                                 connection still in the server's
                                                 listen backlog counts: for the
                                                 client it is established),
       "median_life_s": {"header", "body"}       connect to close, over every
                                                 connection; one still open at the
                                                 end counts with its age then,
       "duration_s"}

probe: sequential and well behaved.  Every --interval seconds until --duration:
    a new connection from --source for GET / (200 expected, whole body read),
    then a new connection for POST /api/v1/reports of one trucks report with a
    fresh report_id (201 expected; the report_id is then appended to --ids).
    Each request sends "Connection: close" and has a 5 s socket timeout; its
    latency runs from before the connect to the end of the body, and is
    counted whether the request succeeded or not (a failure's latency is the
    time it took to fail).  Any exception or unexpected status is a failure.
    Output:
      {"requests", "failures", "failure_examples": [{"what", "error"}] (20 at most),
       "get" | "post" | "all": {"n", "p50_ms", "p90_ms", "p99_ms", "max_ms"}
                               (nearest-rank percentiles),
       "stored_ids"}

Usage:
  slowclients.py attack --host H --port P --sources 127.0.0.2-127.0.0.9 \\
      --tokens T1,T2 --connections 320 --body-share 0.25 --duration 20 \\
      --reconnect-delay 0.2 --out attack.json
  slowclients.py probe --host H --port P --source 127.0.0.100 --token T \\
      --corridor rafah --duration 20 --interval 0.1 --ids ids.txt --out probe.json
"""
import argparse
import asyncio
import http.client
import ipaddress
import json
import math
import re
import resource
import statistics
import sys
import time
import uuid

CONNECT_TIMEOUT = 5.0   # seconds for one connect (attack) or one socket operation (probe)
TICK = 1.0              # seconds between the slow clients' dribbles
ANSWER_WAIT = 1.0       # seconds to wait for the rest of an answer's first line
ANSWER_MAX = 65536      # bytes of an answer read at most
STATUS_LINE = re.compile(rb"^HTTP/\d(?:\.\d)? (\d{3})")


def write_result(result, path):
    """The result as one JSON object to PATH and to stdout."""
    text = json.dumps(result, sort_keys=True)
    with open(path, "w") as f:
        f.write(text + "\n")
    print(text, flush=True)


# --- attack ------------------------------------------------------------------------

def parse_sources(spec):
    """'127.0.0.2-127.0.0.9', '127.0.0.2-9', '127.0.0.2,127.0.0.5' or a mix:
    the list of addresses, in order."""
    out = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            first, last = part.split("-", 1)
            a = ipaddress.IPv4Address(first)
            if "." not in last:     # only the last octet
                last = first.rsplit(".", 1)[0] + "." + last
            b = ipaddress.IPv4Address(last)
            if b < a:
                raise ValueError("empty address range " + part)
            out.extend(str(ipaddress.IPv4Address(n)) for n in range(int(a), int(b) + 1))
        else:
            out.append(str(ipaddress.IPv4Address(part)))
    if not out:
        raise ValueError("no source address in " + repr(spec))
    return out


def plan_slots(n, sources, body_share, tokens):
    """The connection slots: (source, kind, token or None) for each of N.

    Slot i uses source i mod len(sources); within each source its slots are
    slow-body in the proportion body_share, spread evenly (so every address
    carries both kinds).  Slow-body slots take the tokens in turn."""
    slots = []
    body_seen = 0
    for i in range(n):
        j = i // len(sources)           # the slot's index among its source's slots
        is_body = math.floor((j + 1) * body_share) > math.floor(j * body_share)
        token = None
        if is_body:
            token = tokens[body_seen % len(tokens)]
            body_seen += 1
        slots.append((sources[i % len(sources)], "body" if is_body else "header", token))
    return slots


class Attack:
    def __init__(self, args):
        self.args = args
        self.loop = asyncio.get_running_loop()
        self.connects = 0
        self.connect_failures = 0
        self.closed_by_server = {"header": 0, "body": 0}
        self.answers = {}
        self.open = 0
        self.peak_open = 0
        self.lives = {"header": [], "body": []}   # seconds from connect to close

    async def slot(self, source, kind, token, start_after):
        """One connection slot: connect, dribble, and reconnect until cancelled."""
        await asyncio.sleep(start_after)
        while True:
            try:
                async with asyncio.timeout(CONNECT_TIMEOUT):
                    reader, writer = await asyncio.open_connection(
                        self.args.host, self.args.port, local_addr=(source, 0))
            except (OSError, TimeoutError):
                self.connect_failures += 1
            else:
                await self.hold(reader, writer, kind, token)
            # Whatever happened, never try again sooner than this: no spinning.
            await asyncio.sleep(self.args.reconnect_delay)

    async def hold(self, reader, writer, kind, token):
        """Keeps one connection slow until the server ends it (or we are cancelled)."""
        self.connects += 1
        self.open += 1
        self.peak_open = max(self.peak_open, self.open)
        t0 = self.loop.time()
        try:
            if kind == "header":
                writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n")
            else:
                writer.write(b"POST /api/v1/reports HTTP/1.1\r\nHost: x\r\n"
                             b"Authorization: Bearer " + token.encode() + b"\r\n"
                             b"Content-Type: application/json\r\n"
                             b"Content-Length: 100000\r\n\r\n")
            n = 0
            next_tick = t0 + TICK
            while True:
                try:
                    async with asyncio.timeout_at(next_tick):
                        data = await reader.read(4096)
                except TimeoutError:
                    n += 1
                    writer.write(b"X-Slow-%d: y\r\n" % n if kind == "header" else b" " * 8)
                    await writer.drain()    # raises if the connection is gone
                    next_tick += TICK
                    continue
                if data:
                    await self.answer(reader, data)
                break                       # EOF or an answer: the server ended it
            self.closed_by_server[kind] += 1
        except (ConnectionError, OSError):  # reset, broken pipe: the server ended it
            self.closed_by_server[kind] += 1
        finally:
            # Also on cancellation at the end: every socket is closed, and a
            # connection still open then counts with its age at the end.
            self.open -= 1
            self.lives[kind].append(self.loop.time() - t0)
            writer.transport.abort()

    async def answer(self, reader, data):
        """Reads the rest of the server's answer's first line (briefly) and counts its status."""
        try:
            async with asyncio.timeout(ANSWER_WAIT):
                while b"\n" not in data and len(data) < ANSWER_MAX:
                    more = await reader.read(4096)
                    if not more:
                        break
                    data += more
        except (TimeoutError, ConnectionError, OSError):
            pass
        m = STATUS_LINE.match(data)
        code = m.group(1).decode() if m else "?"
        self.answers[code] = self.answers.get(code, 0) + 1

    async def run(self):
        a = self.args
        slots = plan_slots(a.connections, parse_sources(a.sources), a.body_share,
                           [t for t in a.tokens.split(",") if t])
        t0 = self.loop.time()
        # Ramp up over half a second, so the slots' dribbles are spread over each second.
        ramp = min(0.5, a.duration / 4)
        tasks = [asyncio.create_task(self.slot(src, kind, tok, ramp * i / len(slots)))
                 for i, (src, kind, tok) in enumerate(slots)]
        await asyncio.sleep(a.duration)
        open_at_end = self.open
        for t in tasks:
            t.cancel()
        await asyncio.wait(tasks, timeout=1.0)

        def median(kind):
            v = self.lives[kind]
            return round(statistics.median(v), 3) if v else None
        return {
            "connects": self.connects,
            "connect_failures": self.connect_failures,
            "closed_by_server": self.closed_by_server,
            "answers": dict(sorted(self.answers.items())),
            "peak_open": self.peak_open,
            "open_at_end": open_at_end,
            "median_life_s": {"header": median("header"), "body": median("body")},
            "duration_s": round(self.loop.time() - t0, 3),
        }


def raise_fd_limit(want):
    """Raises the soft limit on open files towards the hard one if WANT needs it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < want:
        new = want if hard == resource.RLIM_INFINITY else min(want, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))


async def attack_main(args):
    return await Attack(args).run()


def cmd_attack(args):
    raise_fd_limit(args.connections + 64)
    result = asyncio.run(attack_main(args))
    write_result(result, args.out)


# --- probe -------------------------------------------------------------------------

def percentiles(values):
    """n, p50, p90, p99 (nearest rank) and max of latencies in ms."""
    v = sorted(values)
    if not v:
        return {"n": 0, "p50_ms": None, "p90_ms": None, "p99_ms": None, "max_ms": None}

    def rank(p):
        return round(v[max(1, math.ceil(p / 100 * len(v))) - 1], 1)
    return {"n": len(v), "p50_ms": rank(50), "p90_ms": rank(90), "p99_ms": rank(99),
            "max_ms": round(v[-1], 1)}


class Probe:
    def __init__(self, args):
        self.args = args
        self.latencies = {"get": [], "post": []}
        self.failures = 0
        self.examples = []
        self.stored = 0

    def request(self, method, path, body=None, headers=None):
        """One request on a new connection: (status, body); raises on any transport error."""
        a = self.args
        conn = http.client.HTTPConnection(a.host, a.port, timeout=CONNECT_TIMEOUT,
                                          source_address=(a.source, 0))
        try:
            conn.request(method, path, body=body, headers={"Connection": "close", **(headers or {})})
            r = conn.getresponse()
            return r.status, r.read()
        finally:
            conn.close()

    def timed(self, what, key, expect, *request):
        """Makes the request, records its latency and any failure; true if it got EXPECT."""
        t0 = time.monotonic()
        error = None
        try:
            status, body = self.request(*request)
            if status != expect:
                error = "HTTP %d: %s" % (status, body[:200].decode("utf-8", "replace"))
        except Exception as e:  # noqa: BLE001 - every failure is counted, whatever it is
            error = "%s: %s" % (type(e).__name__, e)
        self.latencies[key].append((time.monotonic() - t0) * 1000)
        if error is not None:
            self.failures += 1
            if len(self.examples) < 20:
                self.examples.append({"what": what, "error": error})
        return error is None

    def run(self):
        a = self.args
        deadline = time.monotonic() + a.duration
        with open(a.ids, "a") as ids:
            while time.monotonic() < deadline:
                round_start = time.monotonic()
                self.timed("GET /", "get", 200, "GET", "/")
                if time.monotonic() >= deadline:
                    break
                rid = str(uuid.uuid4())
                body = json.dumps({"kind": "trucks", "report_id": rid, "corridor": a.corridor,
                                   "date": "2024-01-05", "trucks": 3})
                if self.timed("POST", "post", 201, "POST", "/api/v1/reports", body,
                              {"Authorization": "Bearer " + a.token,
                               "Content-Type": "application/json"}):
                    ids.write(rid + "\n")
                    ids.flush()
                    self.stored += 1
                # The next round on the interval, or at once if this one took longer.
                time.sleep(max(0.0, min(round_start + a.interval, deadline) - time.monotonic()))
        get, post = self.latencies["get"], self.latencies["post"]
        return {
            "requests": len(get) + len(post),
            "failures": self.failures,
            "failure_examples": self.examples,
            "get": percentiles(get),
            "post": percentiles(post),
            "all": percentiles(get + post),
            "stored_ids": self.stored,
        }


def cmd_probe(args):
    write_result(Probe(args).run(), args.out)


# --- options -----------------------------------------------------------------------

def positive(kind):
    def parse(text):
        v = kind(text)
        if v <= 0:
            raise argparse.ArgumentTypeError("must be positive: " + text)
        return v
    return parse


def share(text):
    v = float(text)
    if not 0 <= v <= 1:
        raise argparse.ArgumentTypeError("must be between 0 and 1: " + text)
    return v


def main(argv=None):
    p = argparse.ArgumentParser(description="Slow-client attacker and probing client (issue 16).")
    sub = p.add_subparsers(dest="command", required=True)

    at = sub.add_parser("attack", help="hold many slow connections open")
    at.add_argument("--host", default="127.0.0.1")
    at.add_argument("--port", type=int, required=True)
    at.add_argument("--sources", default="127.0.0.1",
                    help="source addresses: A-B ranges and/or a comma-separated list")
    at.add_argument("--tokens", default="", help="comma-separated tokens for the slow-body slots")
    at.add_argument("--connections", type=positive(int), default=320)
    at.add_argument("--body-share", type=share, default=0.25)
    at.add_argument("--duration", type=positive(float), default=20.0)
    at.add_argument("--reconnect-delay", type=positive(float), default=0.2)
    at.add_argument("--out", required=True)
    at.set_defaults(func=cmd_attack)

    pr = sub.add_parser("probe", help="well-behaved client measuring latency and failures")
    pr.add_argument("--host", default="127.0.0.1")
    pr.add_argument("--port", type=int, required=True)
    pr.add_argument("--source", default="127.0.0.1")
    pr.add_argument("--token", required=True)
    pr.add_argument("--corridor", default="rafah")
    pr.add_argument("--duration", type=positive(float), default=20.0)
    pr.add_argument("--interval", type=positive(float), default=0.1)
    pr.add_argument("--ids", required=True, help="file the stored report_ids are appended to")
    pr.add_argument("--out", required=True)
    pr.set_defaults(func=cmd_probe)

    args = p.parse_args(argv)
    if args.command == "attack" and args.body_share > 0 and not [t for t in args.tokens.split(",") if t]:
        p.error("--tokens is needed when --body-share is above 0")
    args.func(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
