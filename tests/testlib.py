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
