"""What a test keeps between runs under $PGMAPCHECK_CACHE: a JSON document
read whole (missing or damaged: empty) and replaced atomically, so that a run
killed half-way leaves the old one."""
import json
import os


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
