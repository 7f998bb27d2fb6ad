#!/usr/bin/python3
"""The dependency graph of the core's files (tests/unit-core.t): a file
depends on another when it includes a header declaring that file's
functions, or calls one of them (nm of its object).  A header that
declares the functions of no single file (internal.h: types) is a node of
its own.  Exits 1 naming a cycle; else prints the layers, lowest first.

usage: layers.py SRCDIR TMPDIR FILE.c...
"""
import os, re, subprocess, sys
src, tmp = sys.argv[1], sys.argv[2]
files = sys.argv[3:]
mods = {os.path.basename(f)[:-2]: f for f in files}
defs, undef = {}, {}
for m, f in mods.items():
    o = os.path.join(tmp, m + ".o")
    subprocess.run(["gcc", "-std=gnu11", "-O0", "-w", "-c", "-I" + src,
                    "-I" + os.path.join(os.path.dirname(src), "include"),
                    "-o", o, f], check=True)
    for ln in subprocess.run(["nm", o], capture_output=True, text=True,
                             check=True).stdout.splitlines():
        p = ln.split()
        if len(p) == 3 and p[1] in "TDBRW":
            defs[p[2]] = m
        elif len(p) == 2 and p[0] in "Uw":
            undef.setdefault(m, set()).add(p[1])

def includes(path):
    with open(path) as fh:
        return re.findall(r'^#include "([\w.]+)"', fh.read(), re.M)

def node(h):
    """A header is the file whose functions it declares, else itself."""
    path = os.path.join(src, h)
    if not os.path.exists(path):
        return None			# libinspect.h & co.: not the core's
    with open(path) as fh:
        names = re.findall(r"\b(li_\w+)\(", fh.read())
    owners = {defs[n] for n in names if n in defs}
    return owners.pop() if len(owners) == 1 else h

edges = {}
def edge(a, b, why):
    if b and b != a:
        edges.setdefault(a, {}).setdefault(b, why)
headers = set()
for m, f in mods.items():
    for h in includes(f):
        edge(m, node(h), "includes " + h)
        headers.add(h)
    for s in undef.get(m, ()):
        if s in defs:
            edge(m, defs[s], "calls " + s)
while headers:
    h = headers.pop()
    if os.path.exists(os.path.join(src, h)):
        for h2 in includes(os.path.join(src, h)):
            edge(node(h), node(h2), h + " includes " + h2)
            headers.add(h2)

# depth-first: a grey node reached again closes a cycle
state, path = {}, []
def visit(n):
    state[n] = 1
    path.append(n)
    for b in sorted(edges.get(n, ())):
        if state.get(b) == 1:
            cyc = path[path.index(b):] + [b]
            print("cycle: " + " -> ".join(
                "%s (%s)" % (x, edges[x][y]) for x, y in zip(cyc, cyc[1:])))
            sys.exit(1)
        if not state.get(b):
            visit(b)
    path.pop()
    state[n] = 2
for n in sorted(set(edges) | set(mods)):
    if not state.get(n):
        visit(n)
# the layers, lowest first: each depends only on the ones before it
level = {}
def lv(n):
    if n not in level:
        level[n] = 1 + max((lv(b) for b in edges.get(n, ())), default=-1)
    return level[n]
for n in mods:
    lv(n)
for k in sorted(set(level.values())):
    print("# layer %d: %s" % (k, " ".join(sorted(n for n in level if level[n] == k))))
