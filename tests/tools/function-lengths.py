#!/usr/bin/env python3
"""Function lengths of daemon/ (lines from the opening brace to the closing
one, both counted), as style.md measures them: median, p90, the longest.

Functions are found the way this code base writes them: the opening brace
alone at the start of a line, the closing one too.
Usage: function-lengths.py [DIR] [--top N]
"""
import os
import re
import sys

NAME = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(")


def functions(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    for i, line in enumerate(lines):
        if line != "{":
            continue
        # The name: before the first "(" of the signature's first line, the
        # nearest line above that starts at the margin (not a comment).
        sig = next((lines[j] for j in range(i - 1, max(-1, i - 8), -1)
                    if lines[j][:1] not in ("", " ", "\t", "/", "*") and "(" in lines[j]), "")
        names = NAME.findall(sig)
        end = next((j for j in range(i + 1, len(lines)) if lines[j] == "}"), None)
        if names and end is not None:
            yield names[0], end - i + 1


def main():
    args = sys.argv[1:]
    top = 10
    if "--top" in args:
        top = int(args[args.index("--top") + 1])
        del args[args.index("--top"):args.index("--top") + 2]
    root = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "daemon")
    found = []
    for d, _, names in os.walk(root):
        for n in sorted(names):
            if n.endswith(".c"):
                p = os.path.join(d, n)
                found += [(length, os.path.relpath(p, root), name) for name, length in functions(p)]
    found.sort()
    lengths = [f[0] for f in found]
    if not lengths:
        print("no functions found")
        return 1

    def pct(p):
        return lengths[min(len(lengths) - 1, int(p * len(lengths)))]

    print(f"{len(lengths)} functions: median {pct(0.5)}, p90 {pct(0.9)}, longest {lengths[-1]} lines")
    for length, path, name in reversed(found[-top:]):
        print(f"  {length:4d}  {path}: {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
