#!/usr/bin/env python3
"""Independent verifier for the supplywatch public ledger.

Written from the specifications alone; it never calls supplywatch code.
  RFC 9162 §2.1            Merkle tree hash, inclusion (§2.1.3) and consistency (§2.1.4) proofs
  RFC 8032 §5.1, §6        Ed25519, in pure Python after the RFC's illustration code
  C2SP signed-note         notes, signature lines, verifier keys, key IDs
  C2SP tlog-checkpoint     the checkpoint body
Python 3 standard library only.

usage:
  ledger_check.py selftest
  ledger_check.py key VKEY
  ledger_check.py checkpoint VKEY FILE
  ledger_check.py inclusion CHECKPOINT_FILE VKEY PROOF_JSON ENTRY_FILE
  ledger_check.py consistency OLD_CHECKPOINT NEW_CHECKPOINT VKEY PROOF_JSON
  ledger_check.py log BASE_URL VKEY

Prints what it checked on stdout and exits 0, or prints a one-line reason on
stderr and exits 1. Hashes in JSON are 64 lowercase hex digits; ENTRY_FILE is
the exact entry bytes (no newline added or removed). Canonical entries are
json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True):
non-ASCII escaped as lowercase \\uXXXX (surrogate pairs beyond the BMP).
Vectors for selftest live in ledger_vectors/ (see its README.md).
"""
import base64, hashlib, http.server, json, os, random, re, sys, tempfile, threading
import urllib.error, urllib.request
from collections import namedtuple


class Fail(Exception):
    """A check failed; the message is the one-line reason."""


def need(cond, why):
    if not cond:
        raise Fail(why)


def sha256(b):
    return hashlib.sha256(b).digest()


# ---- RFC 9162 §2.1.1: Merkle Tree Hash --------------------------------------------------
def leaf_hash(entry):               # MTH({d(0)}) = HASH(0x00 || d(0))
    return sha256(b"\x00" + entry)


def node_hash(left, right):         # HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n]))
    return sha256(b"\x01" + left + right)


def split_point(n):                 # k: the largest power of two smaller than n (n > 1)
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(hashes, lo=0, hi=None):
    """MTH over leaf hashes hashes[lo:hi]; the empty tree is HASH() (§2.1.1)."""
    hi = len(hashes) if hi is None else hi
    if hi - lo == 0:
        return sha256(b"")
    if hi - lo == 1:
        return hashes[lo]
    k = split_point(hi - lo)
    return node_hash(mth(hashes, lo, lo + k), mth(hashes, lo + k, hi))


def need_hash(h, what):
    need(isinstance(h, bytes) and len(h) == 32, f"{what} is not a 32-byte hash")


# ---- RFC 9162 §2.1.3.2: verifying an inclusion proof --------------------------------------
def verify_inclusion(index, size, leaf, proof, root):
    need_hash(leaf, "leaf hash")
    need_hash(root, "root hash")
    for p in proof:
        need_hash(p, "inclusion proof element")
    need(0 <= index < size, f"leaf index {index} is not below tree size {size}")      # step 1
    fn, sn, r = index, size - 1, leaf                                                # steps 2, 3
    for p in proof:                                                                  # step 4
        need(sn != 0, "inclusion proof is too long")                                 # 4a
        if fn & 1 or fn == sn:                                                       # 4b
            r = node_hash(p, r)                                                      # 4b.i
            while fn and not fn & 1:                                                 # 4b.ii
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1                                                    # 4c
    need(sn == 0, "inclusion proof is too short")                                    # step 5
    need(r == root, "inclusion proof does not lead to the root hash")


# ---- RFC 9162 §2.1.4.2: verifying consistency between two tree heads -------------------
def verify_consistency(first, second, first_hash, second_hash, proof):
    need_hash(first_hash, "first root hash")
    need_hash(second_hash, "second root hash")
    for c in proof:
        need_hash(c, "consistency proof element")
    need(0 < first, "a consistency proof from the empty tree is meaningless")
    need(first <= second, f"first size {first} is larger than second size {second}")
    if first == second:             # PROOF(m, D[m]) is empty (§2.1.4.1); the heads must agree
        need(not proof, "consistency proof between equal sizes is not empty")
        need(first_hash == second_hash, "different root hashes for the same tree size")
        return
    path = list(proof)
    need(path, "consistency proof is empty")                                         # step 1
    if first & (first - 1) == 0:                                                     # step 2
        path.insert(0, first_hash)
    fn, sn = first - 1, second - 1                                                   # step 3
    while fn & 1:                                                                    # step 4
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]                                                                # step 5
    for c in path[1:]:                                                               # step 6
        need(sn != 0, "consistency proof is too long")                               # 6a
        if fn & 1 or fn == sn:                                                       # 6b
            fr, sr = node_hash(c, fr), node_hash(c, sr)                              # 6b.i, ii
            while fn and not fn & 1:                                                 # 6b.iii
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1                                                    # 6c
    need(sn == 0, "consistency proof is too short")                                  # step 7
    need(fr == first_hash, "consistency proof does not lead to the first root hash")
    need(sr == second_hash, "consistency proof does not lead to the second root hash")


# ---- RFC 8032 §6: Ed25519 (p, d, q, G of the RFC are ED_P, ED_D, ED_Q, ED_G here) -------------
ED_P = 2**255 - 19
ED_Q = 2**252 + 27742317777372353535851937790883648493


def modp_inv(x):
    return pow(x, ED_P - 2, ED_P)


ED_D = -121665 * modp_inv(121666) % ED_P
SQRT_M1 = pow(2, (ED_P - 1) // 4, ED_P)


def sha512_modq(s):
    return int.from_bytes(hashlib.sha512(s).digest(), "little") % ED_Q


def point_add(P, Q):                # extended coordinates (X, Y, Z, T)
    A, B = (P[1] - P[0]) * (Q[1] - Q[0]) % ED_P, (P[1] + P[0]) * (Q[1] + Q[0]) % ED_P
    C, D = 2 * P[3] * Q[3] * ED_D % ED_P, 2 * P[2] * Q[2] % ED_P
    E, F, G, H = B - A, D - C, D + C, B + A
    return (E * F, G * H, F * G, E * H)


def point_mul(s, P):
    Q = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            Q = point_add(Q, P)
        P = point_add(P, P)
        s >>= 1
    return Q


def point_equal(P, Q):
    return (P[0] * Q[2] - Q[0] * P[2]) % ED_P == 0 and (P[1] * Q[2] - Q[1] * P[2]) % ED_P == 0


def recover_x(y, sign):
    if y >= ED_P:
        return None
    x2 = (y * y - 1) * modp_inv(ED_D * y * y + 1)
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (ED_P + 3) // 8, ED_P)
    if (x * x - x2) % ED_P != 0:
        x = x * SQRT_M1 % ED_P
    if (x * x - x2) % ED_P != 0:
        return None
    return ED_P - x if (x & 1) != sign else x


_gy = 4 * modp_inv(5) % ED_P
_gx = recover_x(_gy, 0)
ED_G = (_gx, _gy, 1, _gx * _gy % ED_P)


def point_compress(P):
    zinv = modp_inv(P[2])
    x, y = P[0] * zinv % ED_P, P[1] * zinv % ED_P
    return int.to_bytes(y | ((x & 1) << 255), 32, "little")


def point_decompress(s):
    if len(s) != 32:
        return None
    y = int.from_bytes(s, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    x = recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % ED_P)


def secret_expand(secret):
    h = hashlib.sha512(secret).digest()
    a = int.from_bytes(h[:32], "little")
    return (a & ((1 << 254) - 8)) | (1 << 254), h[32:]


def ed25519_public(secret):
    return point_compress(point_mul(secret_expand(secret)[0], ED_G))


def ed25519_sign(secret, msg):      # selftest only: builds notes for the local test log
    a, prefix = secret_expand(secret)
    A = point_compress(point_mul(a, ED_G))
    r = sha512_modq(prefix + msg)
    Rs = point_compress(point_mul(r, ED_G))
    s = (r + sha512_modq(Rs + A + msg) * a) % ED_Q
    return Rs + int.to_bytes(s, 32, "little")


def ed25519_verify(public, msg, signature):     # RFC 8032 §5.1.7 / §6 verify()
    if len(public) != 32 or len(signature) != 64:
        return False
    A, R = point_decompress(public), point_decompress(signature[:32])
    if A is None or R is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= ED_Q:
        return False
    h = sha512_modq(signature[:32] + public + msg)
    return point_equal(point_mul(s, ED_G), point_add(R, point_mul(h, A)))


# ---- C2SP signed-note -------------------------------------------------------------------
Vkey = namedtuple("Vkey", "name key_id pub")
Checkpoint = namedtuple("Checkpoint", "origin size root extensions")
SIG_PREFIX = "\u2014 "              # em dash, space


def b64(s, what):
    """Standard padded base64 (RFC 4648 §4), canonical encodings only."""
    need(isinstance(s, str) and re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", s) and len(s) % 4 == 0,
         f"{what} is not standard base64")
    raw = base64.b64decode(s)
    need(base64.b64encode(raw).decode() == s, f"{what} is not canonical base64")
    return raw


def valid_name(name):              # non-empty, no Unicode spaces, no '+'
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def key_id(name, typed_key):       # SHA-256(key name || 0x0A || 0x01 || public key)[:4]
    return sha256(name.encode() + b"\n" + typed_key)[:4]


def vkey_string(name, pub):
    typed = b"\x01" + pub
    return f"{name}+{key_id(name, typed).hex()}+{base64.b64encode(typed).decode()}"


def parse_vkey(vkey):
    """<name>+<8 hex key ID>+<base64(0x01 || 32-byte Ed25519 public key)>."""
    name, _, rest = vkey.partition("+")
    hex_id, _, key64 = rest.partition("+")
    need(valid_name(name), f"verifier key name {name!r} is empty or has spaces")
    need(re.fullmatch(r"[0-9a-f]{8}", hex_id), f"verifier key ID {hex_id!r} is not 8 lowercase hex digits")
    typed = b64(key64, "verifier key")
    need(len(typed) == 33 and typed[0] == 1, "verifier key is not 0x01 (Ed25519) || 32 bytes")
    want = key_id(name, typed).hex()
    need(hex_id == want, f"key ID {hex_id} != SHA-256(name || 0x0A || 0x01 || key)[:4] = {want}")
    return Vkey(name, bytes.fromhex(hex_id), typed[1:])


def open_note(msg, vk):
    """Returns the note text once a signature by vk verifies over it."""
    try:
        s = msg.decode("utf-8")
    except UnicodeDecodeError:
        raise Fail("note is not valid UTF-8")
    need(all(c >= " " or c == "\n" for c in s), "note contains control characters")
    split = msg.rfind(b"\n\n")      # the text ends at the last blank line
    need(split >= 0, "note has no blank line before its signatures")
    text, sigs = msg[:split + 1], msg[split + 2:]
    need(sigs.endswith(b"\n"), "note's signature lines do not end with a newline")
    lines = sigs[:-1].decode().split("\n")
    need(len(lines) <= 100, "note has more than 100 signatures")
    good = 0
    for line in lines:
        need(line.startswith(SIG_PREFIX), f"malformed signature line {line[:40]!r}")
        name, space, sig64 = line[len(SIG_PREFIX):].partition(" ")
        need(space and valid_name(name), f"malformed signature line {line[:40]!r}")
        raw = b64(sig64, "signature")
        need(len(raw) >= 5, "signature is too short")
        if name != vk.name or raw[:4] != vk.key_id:
            continue                # signatures from unknown keys are ignored
        need(len(raw) == 68 and ed25519_verify(vk.pub, text, raw[4:]),
             f"signature by {vk.name}+{vk.key_id.hex()} does not verify")
        good += 1
    need(good, f"note has no signature by {vk.name}+{vk.key_id.hex()}")
    return text


# ---- C2SP tlog-checkpoint ---------------------------------------------------------------
def parse_checkpoint(text):
    lines = text.decode()[:-1].split("\n")
    need(len(lines) >= 3, "checkpoint has fewer than three lines")
    need(all(lines), "checkpoint has an empty line")
    origin, size, root64 = lines[:3]
    need(re.fullmatch(r"0|[1-9][0-9]*", size), f"tree size {size!r} is not decimal without leading zeros")
    need(int(size) < 2**64, "tree size does not fit in 64 bits")
    root = b64(root64, "root hash")
    need(len(root) == 32, "root hash is not 32 bytes")
    need(int(size) > 0 or root == sha256(b""), "empty tree's root hash is not SHA-256()")
    return Checkpoint(origin, int(size), root, lines[3:])


def read(path):
    with open(path, "rb") as f:
        return f.read()


def load_checkpoint(path, vk):
    return parse_checkpoint(open_note(read(path), vk))


# ---- proofs as JSON ---------------------------------------------------------------------
def j_int(obj, key):
    v = obj.get(key) if isinstance(obj, dict) else None
    need(type(v) is int and v >= 0, f"{key!r} is not a non-negative integer")
    return v


def j_hash(v, what):
    need(isinstance(v, str) and re.fullmatch(r"[0-9a-f]{64}", v), f"{what} is not 64 lowercase hex digits")
    return bytes.fromhex(v)


def j_proof(obj):
    v = obj.get("proof")
    need(isinstance(v, list), "'proof' is not a list")
    return [j_hash(x, "proof element") for x in v]


def canonical(text):
    def no_constants(c):
        raise ValueError(f"{c} is not JSON")
    obj = json.loads(text, parse_constant=no_constants)
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


# ---- commands ---------------------------------------------------------------------------
def cmd_key(vkey, out=print):
    vk = parse_vkey(vkey)
    need(point_decompress(vk.pub) is not None, "public key is not an Ed25519 curve point")
    out(f"key {vk.name}: key ID {vk.key_id.hex()} matches, Ed25519 public key {vk.pub.hex()}")


def cmd_checkpoint(vkey, path, out=print):
    vk = parse_vkey(vkey)
    cp = load_checkpoint(path, vk)
    out(f"signature by {vk.name}+{vk.key_id.hex()} verified")
    out(f"origin: {cp.origin}\nsize: {cp.size}\nroot: {cp.root.hex()}")
    for e in cp.extensions:
        out(f"extension: {e}")
    if cp.origin != vk.name:
        out("note: origin differs from the key name (allowed, tlog-checkpoint says SHOULD match)")
    return cp


def cmd_inclusion(cp_path, vkey, proof_path, entry_path, out=print):
    cp = load_checkpoint(cp_path, parse_vkey(vkey))
    pj, entry = json.loads(read(proof_path)), read(entry_path)
    i, n, lh = j_int(pj, "index"), j_int(pj, "size"), j_hash(pj.get("leaf_hash"), "leaf_hash")
    need(lh == leaf_hash(entry), "leaf_hash != SHA-256(0x00 || entry)")
    need(n == cp.size, f"proof is for size {n}, the checkpoint's size is {cp.size}")
    verify_inclusion(i, n, lh, j_proof(pj), cp.root)
    out(f"inclusion: entry {i} (leaf {lh.hex()}) is in {cp.origin} at size {n}, root {cp.root.hex()}")


def cmd_consistency(old_path, new_path, vkey, proof_path, out=print):
    vk = parse_vkey(vkey)
    old, new = load_checkpoint(old_path, vk), load_checkpoint(new_path, vk)
    need(old.origin == new.origin, f"origins differ: {old.origin!r} and {new.origin!r}")
    pj = json.loads(read(proof_path))
    m, n = j_int(pj, "first"), j_int(pj, "second")
    need((m, n) == (old.size, new.size), f"proof is for {m} -> {n}, checkpoints are {old.size} -> {new.size}")
    verify_consistency(m, n, old.root, new.root, j_proof(pj))
    out(f"consistency: {old.origin} size {m} (root {old.root.hex()}) -> size {n} (root {new.root.hex()})")


def http_get(url):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))   # never via a proxy
    try:
        with opener.open(url, timeout=30) as r:
            return r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        raise Fail(f"GET {url}: HTTP {e.code}")
    except (urllib.error.URLError, OSError) as e:
        raise Fail(f"GET {url}: {e}")


def get_json(url):
    try:
        return json.loads(http_get(url)[1])
    except ValueError:
        raise Fail(f"GET {url}: not JSON")


def cmd_log(base, vkey, out=print):
    vk, api = parse_vkey(vkey), base.rstrip("/") + "/api/v1/ledger"
    ctype, body = http_get(api + "/head")
    need(ctype.split(";")[0].strip() == "text/plain", f"head's Content-Type is {ctype!r}, not text/plain")
    cp = parse_checkpoint(open_note(body, vk))
    n = cp.size
    out(f"head: {cp.origin} size {n} root {cp.root.hex()}, signed by {vk.name}+{vk.key_id.hex()}")
    hashes = []                     # leaf hashes recomputed from the entries' text
    while len(hashes) < n:
        s, e = len(hashes), min(n, len(hashes) + 1000)
        page = get_json(f"{api}/entries?start={s}&end={e}")
        ents = page.get("entries") if isinstance(page, dict) else None
        need(isinstance(ents, list) and 0 < len(ents) <= e - s,
             f"entries?start={s}&end={e} did not return 1..{e - s} entries")
        for ent in ents:
            i = len(hashes)
            need(j_int(ent, "index") == i, f"entry {i} came with index {ent.get('index')!r}")
            text = ent.get("entry")
            need(isinstance(text, str), f"entry {i} has no text")
            try:
                canon = canonical(text)
            except ValueError:
                raise Fail(f"entry {i} is not JSON")
            need(canon == text and text.startswith("{"), f"entry {i} is not canonical JSON: {text[:60]!r}")
            lh = leaf_hash(text.encode("utf-8"))
            need(j_hash(ent.get("leaf_hash"), f"entry {i} leaf_hash") == lh,
                 f"entry {i}: leaf_hash != SHA-256(0x00 || entry)")
            hashes.append(lh)
    need(mth(hashes) == cp.root, f"root over the {n} entries is {mth(hashes).hex()}, head says {cp.root.hex()}")
    out(f"entries: {n} fetched, all canonical JSON (ensure_ascii), leaf hashes and root recomputed")
    rng = random.Random(cp.root)    # reproducible sample for a given head
    fixed = {0, n // 2, n - 1} if n else set()           # first, middle, last, and 20 others
    others = [i for i in range(n) if i not in fixed]
    sample = sorted(fixed | set(rng.sample(others, min(20, len(others)))))
    for i in sample:
        pj = get_json(f"{api}/proof/inclusion?index={i}&size={n}")
        need((j_int(pj, "index"), j_int(pj, "size")) == (i, n), f"inclusion proof {i}: wrong index or size")
        need(j_hash(pj.get("leaf_hash"), "leaf_hash") == hashes[i], f"inclusion proof {i}: wrong leaf_hash")
        try:
            verify_inclusion(i, n, hashes[i], j_proof(pj), cp.root)
        except Fail as e:
            raise Fail(f"inclusion proof for index {i}, size {n}: {e}")
    out(f"inclusion proofs: {len(sample)} verified (indexes {', '.join(map(str, sample)) or 'none'})")
    firsts = sorted({1, n // 2, n - 1} | set(rng.sample(range(1, n), min(3, n - 1)))) if n > 1 else []
    # (first = n, an empty proof, and first = 0 are not asked for: RFC 9162 §2.1.4 defines 0 < m < n)
    for m in firsts:
        pj = get_json(f"{api}/proof/consistency?first={m}&second={n}")
        need((j_int(pj, "first"), j_int(pj, "second")) == (m, n), f"consistency proof {m}: wrong sizes")
        try:
            verify_consistency(m, n, mth(hashes, 0, m), cp.root, j_proof(pj))
        except Fail as e:
            raise Fail(f"consistency proof {m} -> {n}: {e}")
    out(f"consistency proofs: {len(firsts)} verified (first = {', '.join(map(str, firsts)) or 'none'}; "
        f"second = {n})")


# ---- selftest ---------------------------------------------------------------------------
VECTORS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ledger_vectors")


def vectors(name):
    with open(os.path.join(VECTORS, name), encoding="utf-8") as f:
        return json.load(f)


def fails(fn, *args, why=""):
    """True when fn(*args) raises Fail (with `why` in its reason)."""
    try:
        fn(*args)
    except Fail as e:
        return why in str(e)
    return False


# RFC 9162 §2.1.1, §2.1.3.1, §2.1.4.1 taken literally, over the entries D[n]: test oracle.
def naive_mth(D):
    if len(D) == 0:
        return sha256(b"")
    if len(D) == 1:
        return sha256(b"\x00" + D[0])
    k = split_point(len(D))
    return sha256(b"\x01" + naive_mth(D[:k]) + naive_mth(D[k:]))


def naive_path(m, D):
    if len(D) == 1:
        return []
    k = split_point(len(D))
    if m < k:
        return naive_path(m, D[:k]) + [naive_mth(D[k:])]
    return naive_path(m - k, D[k:]) + [naive_mth(D[:k])]


def naive_subproof(m, D, b):
    if m == len(D):
        return [] if b else [naive_mth(D)]
    k = split_point(len(D))
    if m <= k:
        return naive_subproof(m, D[:k], b) + [naive_mth(D[k:])]
    return naive_subproof(m - k, D[k:], False) + [naive_mth(D[:k])]


def flip(proof, j):
    return proof[:j] + [bytes([proof[j][0] ^ 1]) + proof[j][1:]] + proof[j + 1:]


TEST_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")  # RFC 8032 TEST 1


def sign_note(text, name, seed):
    raw = key_id(name, b"\x01" + ed25519_public(seed)) + ed25519_sign(seed, text)
    return text + f"\n{SIG_PREFIX}{name} {base64.b64encode(raw).decode()}\n".encode()


def test_log(entries, name, seed, page=16, tamper=None):
    """A throwaway local log serving the ledger routes; proofs come from the naive code."""
    D = [e.encode() for e in entries]
    n, root = len(D), naive_mth(D)
    head = sign_note(f"selftest.invalid/ledger\n{n}\n{base64.b64encode(root).decode()}\n".encode(), name, seed)

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            path, _, query = self.path.partition("?")
            q = dict(kv.split("=", 1) for kv in query.split("&") if "=" in kv)
            ctype, body = "application/json", None
            if path.endswith("/head"):
                ctype, body = "text/plain; charset=utf-8", head
            elif path.endswith("/entries"):
                s, e = int(q["start"]), min(int(q["end"]), int(q["start"]) + page)
                body = {"entries": [{"index": i, "entry": entries[i], "leaf_hash": leaf_hash(D[i]).hex()}
                                    for i in range(s, e)]}
            elif path.endswith("/proof/inclusion"):
                i, size = int(q["index"]), int(q["size"])
                body = {"index": i, "size": size, "leaf_hash": leaf_hash(D[i]).hex(),
                        "proof": [h.hex() for h in naive_path(i, D[:size])]}
            elif path.endswith("/proof/consistency"):
                m, size = int(q["first"]), int(q["second"])
                body = {"first": m, "second": size, "proof": [h.hex() for h in naive_subproof(m, D[:size], True)]}
            if tamper and body is not None:
                body = tamper(path, body)
            if not isinstance(body, bytes):
                body = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_port}/"


def selftest_published_trees(ok):
    """RFC 6962 reference tree and proof probes from transparency-dev/merkle."""
    v = vectors("merkle_rfc6962.json")
    leaves, roots = [bytes.fromhex(x) for x in v["leaves"]], [bytes.fromhex(x) for x in v["roots"]]
    for n in range(9):
        need(mth([leaf_hash(d) for d in leaves[:n]]) == roots[n] == naive_mth(leaves[:n]), f"root for size {n}")
    ok("RFC 6962 reference tree: roots for sizes 0..8 (tree code and naive RFC 9162 §2.1.1 code)")

    # the probes: valid ones verify, corrupted ones fail
    probes, b = vectors("merkle_probes.json"), lambda s: base64.b64decode(s or "")
    counts, stricter = {}, []
    for kind in ("inclusion", "consistency"):
        for path, p in probes[kind].items():
            proof = [b(x) for x in p["proof"] or []]
            if kind == "inclusion":
                args = (p["leafIdx"], p["treeSize"], b(p["leafHash"]), proof, b(p["root"]))
                fn, oracle = verify_inclusion, lambda: naive_path(p["leafIdx"], leaves[:p["treeSize"]])
                size = p["treeSize"]
            else:
                args = (p["size1"], p["size2"], b(p["root1"]), b(p["root2"]), proof)
                fn, oracle = verify_consistency, lambda: naive_subproof(p["size1"], leaves[:p["size2"]], True)
                size = p["size2"]
            want_err = p["wantErr"]
            if not want_err and any(len(h) != 32 for h in args if isinstance(h, bytes)):
                want_err, stricter = True, stricter + [path]   # its "roots" are 12 bytes: we require 32
            need(fails(fn, *args) == want_err, f"{path}: expected wantErr={want_err}")
            if not p["wantErr"] and size <= 8 and b(p["root" if kind == "inclusion" else "root2"]) == roots[size]:
                need(oracle() == proof, f"{path}: naive RFC 9162 proof differs from the published one")
                counts[kind, "oracle"] = counts.get((kind, "oracle"), 0) + 1
            counts[kind, want_err] = counts.get((kind, want_err), 0) + 1
    for kind in ("inclusion", "consistency"):
        ok(f"transparency-dev/merkle {kind} probes: {counts[kind, False]} valid verify, "
           f"{counts[kind, True]} corrupted fail; the {counts[kind, 'oracle']} published proofs for the "
           "reference tree equal those of the naive RFC code")
    for path in stricter:
        ok(f"  (deliberately stricter: {path} has roots that are not 32 bytes; rejected here)")


def selftest_naive_trees(ok):
    """Trees of 1..70 leaves: every proof the naive RFC code makes verifies, tampered ones fail."""
    D = [f'{{"i":{i},"type":"selftest"}}'.encode() for i in range(70)]
    hashes, good = [leaf_hash(d) for d in D], 0
    for n in range(1, 71):
        root = mth(hashes, 0, n)
        need(root == naive_mth(D[:n]), f"root for size {n}")
        for m in range(n):
            proof = naive_path(m, D[:n])
            verify_inclusion(m, n, hashes[m], proof, root)
            for j in range(len(proof)):
                need(fails(verify_inclusion, m, n, hashes[m], flip(proof, j), root), f"tampered path {m}/{n}")
            for wrong in {m - 1, m + 1} & set(range(n)):
                need(fails(verify_inclusion, wrong, n, hashes[m], proof, root), f"index {wrong} for {m}/{n}")
            need(fails(verify_inclusion, m, n, hashes[m], proof + [root], root), f"long path {m}/{n}")
            good += 1
        for m in range(1, n + 1):
            proof, old = naive_subproof(m, D[:n], True), mth(hashes, 0, m)
            verify_consistency(m, n, old, root, proof)
            for j in range(len(proof)):
                need(fails(verify_consistency, m, n, old, root, flip(proof, j)), f"tampered proof {m}->{n}")
            if m < n:
                need(fails(verify_consistency, m, n, mth(hashes, 1, m + 1), root, proof), f"old root {m}->{n}")
                need(fails(verify_consistency, m, n, old, root, proof[:-1]), f"short proof {m}->{n}")
            good += 1
    ok(f"trees of 1..70 leaves: {good} naive RFC 9162 proofs verify; flipped bits, neighbouring index, "
       "wrong old root, extra and missing elements fail")


def selftest_ed25519(ok):
    """RFC 8032 §7.1 TEST 1-3."""
    for t in vectors("ed25519_rfc8032.json")["tests"]:
        sk, pk, msg, sig = (bytes.fromhex(t[k]) for k in ("secret_key", "public_key", "message", "signature"))
        need(ed25519_public(sk) == pk and ed25519_sign(sk, msg) == sig, f"{t['name']}: key or signature")
        need(ed25519_verify(pk, msg, sig), f"{t['name']}: verify")
        need(not ed25519_verify(pk, msg + b"x", sig), f"{t['name']}: longer message verified")
        need(not ed25519_verify(pk, msg, sig[:-1] + bytes([sig[-1] ^ 1])), f"{t['name']}: tampered S verified")
        need(not ed25519_verify(pk, msg, bytes([sig[0] ^ 1]) + sig[1:]), f"{t['name']}: tampered R verified")
        s_plus_q = int.to_bytes(int.from_bytes(sig[32:], "little") + ED_Q, 32, "little")   # §5.1.7: S < L
        need(not ed25519_verify(pk, msg, sig[:32] + s_plus_q), f"{t['name']}: malleable S + L verified")
        need(not ed25519_verify(ed25519_public(TEST_SEED[::-1]), msg, sig), f"{t['name']}: wrong key verified")
    ok("Ed25519 RFC 8032 §7.1 TEST 1-3: public keys and signatures reproduced, verify; tampered R, S, message, "
       "S + L and wrong key fail")


def selftest_notes(ok):
    """golang/mod sumdb/note note_test.go and the C2SP signed-note example."""
    g = vectors("signed_note.json")["go"]
    peter, enoch = parse_vkey(g["peter_vkey"]), parse_vkey(g["enoch_vkey"])
    need(peter.key_id.hex() == "c74f20a3" and enoch.key_id.hex() == "af0cfe78", "key IDs")
    seed = b64(g["peter_skey"].split("+", 4)[4], "skey")[1:]
    need(vkey_string("PeterNeumann", ed25519_public(seed)) == g["peter_vkey"], "skey -> vkey")
    text = g["text"].encode()
    need(sign_note(text, "PeterNeumann", seed).decode() == g["text"] + "\n" + g["peter_sig_line"], "TestSign")
    both = text + b"\n" + (g["peter_sig_line"] + g["enoch_sig_line"]).encode()
    need(open_note(both, peter) == text and open_note(both, enoch) == text, "TestOpen")
    vk = g["peter_vkey"]
    mangled = [vk[i:j] for i in range(len(vk) + 1) for j in range(i + 1, len(vk) + 1) if (i, j) != (0, len(vk))]
    mangled += [vk[:i] + chr(ord(vk[i]) + 1) + vk[i + 1:] for i in range(len(vk))] + g["bad_vkeys"]
    need(all(fails(parse_vkey, k) for k in mangled), "a mangled verifier key parsed")
    ps = g["peter_sig_line"]
    bad_notes = [both.replace(b"problem,", b"problem;"),                      # tampered text
                 text + b"\n" + (ps[:60] + "ABCD" + ps[60:]).encode(),         # invalid signature
                 text, text + b"\n", text + b"\n" + ps[:-1].encode(),            # TestOpen badMsgs
                 b"\x01" + text + b"\n" + ps.encode(), b"\xff" + text + b"\n" + ps.encode(),
                 text + b"\n" + ps.encode() + b"Unexpected line.\n",
                 text + b"\n" + g["enoch_sig_line"].encode()]                  # no signature by peter
    need(all(fails(open_note, m, peter) for m in bad_notes), "a bad note opened")
    c = vectors("signed_note.json")["c2sp"]
    need(open_note(c["note"].encode(), parse_vkey(c["vkey"])) == b"This is an example message.\n", "C2SP")
    ok(f"signed notes: note_test.go key IDs, skey->vkey, Sign output, Open with 2 keys, C2SP example; "
       f"{len(mangled)} mangled keys and {len(bad_notes)} bad notes rejected")


TEST_NAME = "selftest.invalid/ledger"
TEST_VKEY = vkey_string(TEST_NAME, ed25519_public(TEST_SEED))
TEST_ENTRIES = [json.dumps({"content_hash": sha256(b"%d" % i).hex(), "organisation": f"org-\u00fc\u05d0{i % 3}",
                            "report_id": f"r{i}", "type": "report"}, sort_keys=True, separators=(",", ":"))
                for i in range(70)]


def selftest_commands(ok):
    """Checkpoints and the file commands, on a 70-leaf tree signed with the test key."""
    name, vkey, E = TEST_NAME, TEST_VKEY, [e.encode() for e in TEST_ENTRIES]
    cp_text = lambda n, extra="": f"{name}\n{n}\n{base64.b64encode(naive_mth(E[:n])).decode()}\n{extra}".encode()
    root7 = cp_text(7).split(b"\n")[2] + b"\n"
    bad_bodies = [b"o\n07\n" + root7, b"o\n-1\n" + root7, b"o\n+7\n" + root7, b"o\n7\n" + b"A" * 40 + b"\n",
                  b"o\n7\n", cp_text(7)[:-1] + b"\n\n", cp_text(7, "ext\n\n"), b"o\n0\n" + root7]
    load = lambda t: parse_checkpoint(open_note(sign_note(t, name, TEST_SEED), parse_vkey(vkey)))
    need(all(fails(load, t) for t in bad_bodies), "a malformed checkpoint body parsed")
    with tempfile.TemporaryDirectory() as tmp:
        def put(fname, data):
            with open(os.path.join(tmp, fname), "wb") as f:
                f.write(data if isinstance(data, bytes) else json.dumps(data).encode())
            return os.path.join(tmp, fname)
        quiet = lambda *a: None
        old = put("old", sign_note(cp_text(37), name, TEST_SEED))
        new = put("new", sign_note(cp_text(70, "time 2026-01-01T00:00:00Z\n"), name, TEST_SEED))
        cmd_key(vkey, quiet)
        need(cmd_checkpoint(vkey, new, quiet).extensions == ["time 2026-01-01T00:00:00Z"], "extension line")
        need(fails(cmd_checkpoint, vkey, put("t", read(new).replace(b"\n70\n", b"\n71\n")), quiet,
                   why="does not verify"), "tampered head")
        other = vectors("signed_note.json")["go"]["peter_vkey"]
        need(fails(cmd_checkpoint, other, new, quiet, why="no signature by"), "wrong key")
        entry = put("entry", E[12])
        inc = {"index": 12, "size": 70, "leaf_hash": leaf_hash(E[12]).hex(),
               "proof": [h.hex() for h in naive_path(12, E)]}
        cmd_inclusion(new, vkey, put("inc", inc), entry, quiet)
        need(fails(cmd_inclusion, new, vkey, put("inc", inc), put("e2", E[12] + b"\n"), quiet,
                   why="leaf_hash"), "entry + newline")
        need(fails(cmd_inclusion, old, vkey, put("inc", inc), entry, quiet, why="size"), "size mismatch")
        con = {"first": 37, "second": 70, "proof": [h.hex() for h in naive_subproof(37, E, True)]}
        cmd_consistency(old, new, vkey, put("con", con), quiet)
        need(fails(cmd_consistency, new, old, vkey, put("con", con), quiet), "swapped checkpoints")
    ok(f"checkpoints: {len(bad_bodies)} malformed bodies rejected; key, checkpoint, inclusion and consistency "
       "commands pass on a 70-leaf test log and fail when tampered")


def selftest_log(ok, out):
    """The log command against a local test log (pages of 16), honest and dishonest."""
    entries, name, vkey = TEST_ENTRIES, TEST_NAME, TEST_VKEY
    srv, url = test_log(entries, name, TEST_SEED)
    try:
        lines = []
        cmd_log(url, vkey, lines.append)
    finally:
        srv.shutdown(), srv.server_close()

    def entry5(change, rehash=True):  # rewrite entry 5 as served by /entries
        def tamper(path, body):
            for ent in body["entries"] if path.endswith("/entries") else []:
                if ent["index"] == 5:
                    ent["entry"] = change(ent["entry"])
                    if rehash:
                        ent["leaf_hash"] = leaf_hash(ent["entry"].encode()).hex()
            return body
        return tamper
    raw_utf8 = lambda t: json.dumps(json.loads(t), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    cheats = [  # (what, words expected in the reason, tamper)
        ("a blank in an entry", "canonical", entry5(lambda t: t.replace(",", ", ", 1))),
        ("raw UTF-8 in an entry", "canonical", entry5(raw_utf8)),
        ("unsorted keys", "canonical",
         entry5(lambda t: '{"type":"report",' + t[1:].replace(',"type":"report"', ""))),
        ("an entry changed after hashing", "leaf_hash", entry5(lambda t: t.replace("r5", "r6"), rehash=False)),
        ("an entry changed and rehashed", "root over", entry5(lambda t: t.replace("r5", "r6"))),
        ("a bad inclusion proof", "inclusion proof",
         lambda p, b: dict(b, proof=b["proof"][::-1]) if p.endswith("/inclusion") else b),
        ("a bad consistency proof", "consistency proof",
         lambda p, b: dict(b, proof=b["proof"][1:]) if p.endswith("/consistency") else b),
        ("an unsigned head", "blank line", lambda p, b: b.split(b"\n\n")[0] + b"\n" if p.endswith("/head") else b),
        ("an empty page", "entries?start", lambda p, b: {"entries": []} if p.endswith("/entries") else b),
    ]
    for what, why, cheat in cheats:
        srv, url = test_log(entries, name, TEST_SEED, tamper=cheat)
        try:
            need(fails(cmd_log, url, vkey, lambda *a: None, why=why), f"log command accepted {what}")
        finally:
            srv.shutdown(), srv.server_close()
    ok("log command on a local 70-entry test log served in pages of 16:")
    for line in lines:
        out(f"      {line}")
    ok(f"log command fails, for the right reason, on {len(cheats)} dishonest logs: "
       f"{', '.join(c[0] for c in cheats)}")


def cmd_selftest(out=print):
    ok = lambda what: out(f"ok  {what}")
    for part in (selftest_published_trees, selftest_naive_trees, selftest_ed25519, selftest_notes,
                 selftest_commands):
        part(ok)
    selftest_log(ok, out)


def main(argv):
    cmds = {"selftest": (cmd_selftest, 0), "key": (cmd_key, 1), "checkpoint": (cmd_checkpoint, 2),
            "inclusion": (cmd_inclusion, 4), "consistency": (cmd_consistency, 4), "log": (cmd_log, 2)}
    if len(argv) < 2 or argv[1] not in cmds or len(argv) - 2 != cmds[argv[1]][1]:
        sys.stderr.write("ledger_check: FAIL: bad arguments\n" + __doc__.split("\n\n")[2] + "\n")
        return 1
    try:
        cmds[argv[1]][0](*argv[2:])
    except Fail as e:
        sys.stderr.write(f"ledger_check {argv[1]}: FAIL: {e}\n")
        return 1
    except Exception as e:          # malformed input that slipped past the checks above
        sys.stderr.write(f"ledger_check {argv[1]}: FAIL: {type(e).__name__}: {e}\n")
        return 1
    print(f"ledger_check {argv[1]}: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
