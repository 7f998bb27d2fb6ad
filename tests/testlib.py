"""What more than one test program needs (tests/*.t in Python put tests/ on
sys.path and import this)."""
import json
import os
import re


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
