"""What more than one test program needs (tests/*.t in Python put tests/ on
sys.path and import this)."""
import json
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.environ.get("PGMAPCHECK_CACHE") or \
    os.path.expanduser("~/.cache/pgmapcheck")

# The toolset a program checks, from the environment (defaults: the host's;
# tests/sid.t relays crash-ext.t, drgn.t and corpus-cli.t into the sid
# chroot with the other one):
#   PGMAPCHECK_BUILD=build-sid   libinspect/<it>/ and crash-ext/<it>/
#   PGMAPCHECK_TOOLSET=sid       test names start with "sid/"
#   PGMAPCHECK_MUST_OPEN=1       the frontend must open every dump
BUILD = os.environ.get("PGMAPCHECK_BUILD") or "build"
LABEL = os.environ.get("PGMAPCHECK_TOOLSET", "")
PREFIX = LABEL + "/" if LABEL else ""
MUST_OPEN = os.environ.get("PGMAPCHECK_MUST_OPEN") == "1"
CLI = os.path.join(ROOT, "libinspect", BUILD, "pgmapcheck")

# How many "not ok" lines report() has printed.
failures = 0


def oneline(why, most=500):
    """A reason on one line (a TAP line ends at the first newline)."""
    return " ".join(str(why).split())[:most]


def report(name, good, why=""):
    """One assertion: "ok NAME", else "not ok NAME - WHY"; returns good."""
    global failures
    if good:
        print(f"ok {PREFIX}{name}", flush=True)
    else:
        failures += 1
        print(f"not ok {PREFIX}{name} - {oneline(why)}", flush=True)
    return good


def skip(name, why):
    print(f"skip {PREFIX}{name} - {oneline(why)}", flush=True)


def stable(doc):
    """A JSON report without what may differ between frontends and runs."""
    if isinstance(doc, dict):
        return {k: stable(v) for k, v in doc.items()
                if k != "target" and not re.search(
                    r"time|elapsed|duration|seconds", k)}
    if isinstance(doc, list):
        return [stable(v) for v in doc]
    return doc


def leaves(doc, path="$"):
    """Flatten to {json-path: scalar} so a mismatch can be named."""
    if isinstance(doc, dict):
        out = {path + "{}": len(doc)}
        for k, v in doc.items():
            out.update(leaves(v, f"{path}.{k}"))
        return out
    if isinstance(doc, list):
        out = {path + "[]": len(doc)}
        for i, v in enumerate(doc):
            out.update(leaves(v, f"{path}[{i}]"))
        return out
    return {path: doc}


def mismatch(a, b, names=("cli", "crash")):
    """The first JSON path where documents a and b differ, with both values
    under their names; "" when they are equal."""
    la, lb = leaves(a), leaves(b)
    for k in sorted(set(la) | set(lb)):
        if la.get(k, "<absent>") != lb.get(k, "<absent>"):
            return f"{k}: {names[0]} {la.get(k, '<absent>')!r:.60} " \
                   f"{names[1]} {lb.get(k, '<absent>')!r:.60}"
    return ""


def first_difference(a, b, path="$", names=("cli", "crash")):
    """Where documents a and b first differ, with both values under their
    names; None when they are equal."""
    if type(a) is not type(b):
        return f"{path}: {names[0]} {a!r:.80}, {names[1]} {b!r:.80}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{path}.{k}: only in {names[0] if k in a else names[1]}"
            d = first_difference(a[k], b[k], f"{path}.{k}", names)
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {names[0]} {len(a)} items, {names[1]} {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f"{path}[{i}]", names)
            if d:
                return d
        return None
    return None if a == b else \
        f"{path}: {names[0]} {a!r:.80}, {names[1]} {b!r:.80}"


def load_json(path):
    """A JSON file, None if missing or not JSON."""
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


# What a test keeps between runs under $PGMAPCHECK_CACHE: a JSON document
# read whole (missing or damaged: empty) and replaced atomically, so that a
# run killed half-way leaves the old one.


def load(path):
    try:
        with open(path) as f:
            doc = json.load(f)
        return doc if isinstance(doc, dict) else {}
    except (OSError, ValueError):
        return {}


def save(path, doc):
    try:
        with open(path + ".tmp", "w") as f:
            json.dump(doc, f)
        os.rename(path + ".tmp", path)
    except OSError:
        pass
