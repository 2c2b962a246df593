#!/usr/bin/env python3
"""The shape of daemon/: layers, one-way includes, no cycles.

Every module is daemon/<layer>/<name>.c and/or .h (main.c and cli.c sit at
the top and wire the rest).  A file may include (#include "layer/x.h") only
headers of its own layer or of the layers its own may use, which keeps
dependencies pointing one way:

    util  <-  core  <-  render, store  <-  publish  <-  http  <-  main.c, cli.c

The graph of #include "..." between modules must have no cycle, and the
renderers (render/) must not reach <microhttpd.h> or <libpq-fe.h>, even
through another header; nor may util/ or core/ (but core/config.c, which
checks a conninfo with libpq's parser).  <microhttpd.h> belongs to http/
(and main.c) alone.

Usage: check_layout.py [DAEMON_DIR]     (default: daemon next to tests/)
       check_layout.py --self-test      (proves each rule can fail)
Prints "layout: ok (N modules, M includes)" or one line per problem; exits 1
on any problem.
"""
import os
import re
import sys
import tempfile

LAYERS = {
    "util": {"util"},
    "core": {"core", "util"},
    "render": {"render", "core", "util"},
    "store": {"store", "core", "util"},
    "publish": {"publish", "render", "store", "core", "util"},
    "http": {"http", "publish", "render", "store", "core", "util"},
    "": {"http", "publish", "render", "store", "core", "util", ""},  # main.c, cli.c
}
# System headers only some layers may reach, directly or through project
# headers.  "core.c": core's .c files may (config.c checks a conninfo with
# libpq's parser), its headers may not, so nothing reaches libpq through them.
RESTRICTED = {
    "microhttpd.h": {"http", ""},
    "libpq-fe.h": {"store", "publish", "http", "", "core.c"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def scan(root):
    """{path relative to root: (project includes, system includes)} of every .c/.h."""
    files = {}
    for d, _, names in os.walk(root):
        for n in sorted(names):
            if not n.endswith((".c", ".h")):
                continue
            p = os.path.relpath(os.path.join(d, n), root)
            text = open(os.path.join(root, p), encoding="utf-8").read()
            proj, sys_ = [], []
            for kind, name in INCLUDE.findall(text):
                (proj if kind == '"' else sys_).append(name)
            files[p] = (proj, sys_)
    return files


def layer_of(path):
    return path.split("/")[0] if "/" in path else ""


def module_of(path):
    return os.path.splitext(path)[0]


def find_cycle(graph):
    """A cycle of the module graph as a list, or None."""
    state, stack = {}, []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for n in sorted(graph.get(m, ())):
            if state.get(n) == 1:
                return stack[stack.index(n):] + [n]
            if n not in state:
                found = visit(n)
                if found:
                    return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state:
            found = visit(m)
            if found:
                return found
    return None


def reaches(files, path, header, seen=None):
    """The chain of project includes by which path reaches a system header, or None."""
    seen = seen if seen is not None else set()
    if path in seen or path not in files:
        return None
    seen.add(path)
    proj, sys_ = files[path]
    if header in sys_:
        return [path]
    for inc in proj:
        chain = reaches(files, inc, header, seen)
        if chain:
            return [path] + chain
    return None


def check(root):
    files = scan(root)
    problems, graph, edges = [], {}, 0
    for path, (proj, _) in sorted(files.items()):
        mine = layer_of(path)
        if mine not in LAYERS:
            problems.append(f"{path}: not in a known layer ({', '.join(l for l in LAYERS if l)})")
            continue
        for inc in proj:
            if inc not in files:
                problems.append(f"{path}: includes \"{inc}\", which is not daemon/{inc}")
                continue
            if layer_of(inc) not in LAYERS[mine]:
                problems.append(f"{path}: a {mine or 'top-level'} file includes \"{inc}\" "
                                f"from {layer_of(inc) or 'the top'}, against the layers' direction")
            a, b = module_of(path), module_of(inc)
            if a != b:
                graph.setdefault(a, set()).add(b)
                edges += 1
    cycle = find_cycle(graph)
    if cycle:
        problems.append("include cycle: " + " -> ".join(cycle))
    for header, allowed in RESTRICTED.items():
        for path in sorted(files):
            if layer_of(path) in allowed or (path.endswith(".c") and layer_of(path) + ".c" in allowed):
                continue
            chain = reaches(files, path, header)
            if chain:
                problems.append(f"{path}: reaches <{header}> ({' -> '.join(chain)}), "
                                f"which only {', '.join(sorted(l or 'main.c/cli.c' for l in allowed))} may use")
    return problems, len({module_of(p) for p in files}), edges


def self_test():
    """Each rule catches a tree made to break it."""
    cases = {
        "cycle": {"core/a.h": '#include "core/b.h"\n', "core/b.h": '#include "core/a.h"\n'},
        "renderer reaches microhttpd.h": {
            "render/r.c": '#include "render/r.h"\n', "render/r.h": '#include <microhttpd.h>\n'},
        "renderer reaches libpq through a header": {
            "render/r.c": '#include "store/s.h"\n', "store/s.h": '#include <libpq-fe.h>\n'},
        "upward include": {"store/s.c": '#include "http/h.h"\n', "http/h.h": ""},
        "unknown header": {"core/a.c": '#include "core/missing.h"\n'},
    }
    failed = 0
    for name, tree in cases.items():
        with tempfile.TemporaryDirectory() as d:
            for p, text in tree.items():
                os.makedirs(os.path.join(d, os.path.dirname(p)), exist_ok=True)
                open(os.path.join(d, p), "w").write(text)
            problems, _, _ = check(d)
            if not problems:
                print(f"layout self-test: '{name}' was not caught")
                failed += 1
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "core"))
        open(os.path.join(d, "core/a.c"), "w").write('#include "core/a.h"\n')
        open(os.path.join(d, "core/a.h"), "w").write("#include <stdio.h>\n")
        if check(d)[0]:
            print("layout self-test: a sound tree was refused")
            failed += 1
    print(f"layout self-test: {len(cases) + 1 - failed} passed, {failed} failed")
    return 1 if failed else 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "daemon")
    problems, modules, edges = check(root)
    for p in problems:
        print("layout: " + p)
    if problems:
        return 1
    print(f"layout: ok ({modules} modules, {edges} includes between them, no cycle)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
