#!/usr/bin/python3
"""Our own 6.1 kernel with device-private pgmaps (vmcores/selfbuilt).

vmcores/selfbuilt/build-scenarios builds (or reuses) the plain and the
patched kernel and the scenarios; then, on every dump (ELF and kdump) and on
the live kernel (the checks the scenario ran in the guest on /proc/kcore
before the dump was taken):
  clean-private   CLI, crash extension and drgn script: no error, the two
                  test_hmm pgmaps as MEMORY_DEVICE_PRIVATE with the manifest's
                  ranges (clean-coherent: the same with two more,
                  MEMORY_DEVICE_COHERENT ones, the held pages on one of them), pgmap ref >= 1 + referenced pages >= 1 + held pages;
                  held pages at refcount 1, idle ones at 0 (guest's own view);
                  holders.py: every held page found in hmmholder's page table;
                  no PRIVATE_PAGE_LEAKED (every allocated page is mapped)
  faults-private  every injected fault found with its code and pfn:
                  PGMAP_DANGLING, PGMAP_REF_LOW (pgmap of the page),
                  PRIVATE_PAGE_LEAKED (exactly the leaked pfn) by the three
                  frontends and holders.py.  A live check is judged on it only
                  if the CLI the guest ran knows the code (the scenario's stamp
                  does not cover libinspect: its live documents may predate it)
  bug-pgmap-ref   (patched kernel) the torn-down pgmap is gone from every
                  report while hmmholder still maps its pfns: the three
                  frontends and holders.py report HOLDER_ORPHANED at every
                  held pfn
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testlib  # noqa: E402
from testlib import ROOT, report, skip  # noqa: E402

SB = os.path.join(ROOT, "vmcores", "selfbuilt")
CLI = os.path.join(ROOT, "libinspect", "build", "pgmapcheck")
DRGN = os.path.join(ROOT, "drgn-scripts", "pgmapcheck.py")
EXT = os.path.join(ROOT, "crash-ext", "build", "pgmapcheck.so")
PY = "/usr/bin/python3"


def result(good, name, why=""):
    return report(name, good, why)


def run_json(argv, timeout=900):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    try:
        return p.returncode, json.loads(p.stdout[p.stdout.index("{"):])
    except ValueError:
        return p.returncode, {"_error": (p.stdout + p.stderr)[-400:]}


def cli(vmlinux, dump):
    return run_json([CLI, "-j", "--no-progress", "-k", vmlinux, dump])


def drgn(vmlinux, dump):
    return run_json([PY, DRGN, "--json", "--no-progress", "-k", vmlinux, dump])


def crash(vmlinux, dump):
    with tempfile.NamedTemporaryFile("w", suffix=".crash") as f:
        f.write("extend %s\npgmapcheck -j\nq\n" % EXT)
        f.flush()
        p = subprocess.run(["crash", "-s", vmlinux, dump, "-i", f.name],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=900)
    out = p.stdout
    try:
        start = out.index('{"schema_version"')
        # crash's exit status says nothing about the findings
        return None, json.JSONDecoder().raw_decode(out[start:])[0]
    except ValueError:
        return p.returncode, {"_error": (out + p.stderr)[-400:]}


def holders(vmlinux, dump):
    return run_json([PY, os.path.join(SB, "holders.py"), "--json", "-k", vmlinux, dump])


def live(job, name):
    """(exit status, document) of a check the guest ran on /proc/kcore."""
    try:
        with open(os.path.join(job, "live-%s.rc" % name)) as f:
            rc = int(f.read().strip())
        with open(os.path.join(job, "live-%s.json" % name)) as f:
            return rc, json.load(f)
    except (OSError, ValueError) as e:
        return -1, {"_error": str(e)}


def leaked(doc):
    return [f["pfn"] for f in doc.get("findings", []) if f["code"] == "PRIVATE_PAGE_LEAKED"]


def live_knows(job, code):
    """Does the CLI mirrored into the guest (the one the live checks ran) know code?"""
    cli = os.path.join(job, "top", "libinspect", "build", "pgmapcheck")
    p = subprocess.run([cli, "--list-codes"], capture_output=True, text=True)
    return p.returncode == 0 and code in p.stdout.split()


def errors(doc):
    return [f for f in doc.get("findings", []) if f.get("severity") == "error"]


def found(doc, code, pfn=None, pgmap=None):
    for f in doc.get("findings", []):
        if f["code"] == code and (pfn is None or f["pfn"] == pfn) and \
           (pgmap is None or f.get("pgmap") == pgmap):
            return True
    return False


def reports(man, job):
    """(label, (rc, doc)) of every libinspect frontend on every dump and live."""
    vmlinux = man["kernel"]["vmlinux"]
    for d in man["dumps"]:
        fmt = d["format"]
        yield "cli-%s" % fmt, cli(vmlinux, d["path"])
        yield "drgn-%s" % fmt, drgn(vmlinux, d["path"])
        yield "crash-%s" % fmt, crash(vmlinux, d["path"])
    yield "cli-live", live(job, "cli")
    yield "drgn-live", live(job, "drgn")


def holder_reports(man, job):
    for d in man["dumps"]:
        yield "holders-%s" % d["format"], holders(man["kernel"]["vmlinux"], d["path"])
    yield "holders-live", live(job, "holders")


def held(man, name=None):
    return [h["pfn"] for h in man["holds"] if h.get("kind") == "hmm"]


def pages(man):
    return {p["pfn"]: p for p in man["pages"]}


PRIVATE, COHERENT = "MEMORY_DEVICE_PRIVATE", "MEMORY_DEVICE_COHERENT"


def check_clean(man, job, s="clean-private", types=(PRIVATE, PRIVATE), main_type=PRIVATE):
    """types: the scenario's pgmap types; main_type: the held pages' one (a
    private page is held through a swap entry, a coherent one a present pte)."""
    pgmaps = {p["address"]: p for p in man["pgmaps"]}
    result(sorted(p["type"] for p in pgmaps.values()) == sorted(types),
           "%s-manifest-pgmaps" % s, man["pgmaps"])
    hp = held(man)
    main = next(p for p in man["pgmaps"]
                if p["ranges"][0]["start_pfn"] <= hp[0] <= p["ranges"][0]["end_pfn"])
    swap = 1 if main_type == PRIVATE else 0
    result(len(hp) == 64 and main["type"] == main_type and
           all(h["swap"] == swap for h in man["holds"]), "%s-held-64" % s, man["holds"][:2])
    pg = pages(man)
    result(all(pg[p]["refcount"] == 1 for p in hp[:4] if p in pg) and
           sum(p in pg for p in hp[:4]) == 4, "%s-held-refcount-1" % s, hp[:4])
    firsts = [p["ranges"][0]["start_pfn"] for p in man["pgmaps"]]
    result(all(pg.get(f, {}).get("refcount") == 0 for f in firsts), "%s-idle-refcount-0" % s,
           [pg.get(f) for f in firsts])
    result(main["ref_count"] >= 1 + len(hp), "%s-guest-pgmap-ref" % s,
           "ref_count %s, held %d" % (main["ref_count"], len(hp)))
    for label, (rc, doc) in reports(man, job):
        name = "%s-%s" % (s, label)
        if not result("_error" not in doc, name + "-ran", doc.get("_error")):
            continue
        result(rc in (None, 0) and not errors(doc), name + "-no-errors", (rc, errors(doc)[:3]))
        got = {p["address"]: p for p in doc["pgmaps"]}
        result(set(got) == set(pgmaps) and all(
            got[a]["type"] == pgmaps[a]["type"] and
            [(r["start_pfn"], r["end_pfn"]) for r in got[a]["ranges"]] ==
            [(r["start_pfn"], r["end_pfn"]) for r in pgmaps[a]["ranges"]] for a in got),
            name + "-pgmaps", list(got))
        g = got.get(main["address"], {})
        cnt = (g.get("ref") or {}).get("count")
        refd = (g.get("pages") or {}).get("referenced", -1)
        result(cnt is not None and refd >= len(hp) and cnt >= 1 + refd, name + "-pgmap-ref",
               "count %s referenced %s held %d" % (cnt, refd, len(hp)))
        result(not leaked(doc), name + "-no-leak", leaked(doc)[:4])
    for label, (rc, doc) in holder_reports(man, job):
        name = "%s-%s" % (s, label)
        if not result("_error" not in doc, name + "-ran", doc.get("_error")):
            continue
        mine = sorted(h["pfn"] for h in doc["holders"] if h["pgmap"] == main["address"])
        result(mine == sorted(hp) and rc == 0 and not doc["findings"], name + "-who-holds",
               "%d of %d held pfns, findings %s" % (len(mine), len(hp), doc["findings"][:2]))


def check_faults(man, job):
    s = "faults-private"
    faults = {f["code"]: f for f in man["faults"]}
    result(set(faults) == {"PGMAP_DANGLING", "PGMAP_REF_LOW", "PRIVATE_PAGE_LEAKED"},
           "%s-manifest-faults" % s, list(faults))
    pg = pages(man)
    leak = faults.get("PRIVATE_PAGE_LEAKED", {}).get("pfn")
    result(pg.get(leak, {}).get("refcount") == 1, "%s-leaked-refcount-1" % s, pg.get(leak))
    drop = faults.get("PGMAP_REF_LOW", {})
    knows = live_knows(job, "PRIVATE_PAGE_LEAKED")
    dang = faults.get("PGMAP_DANGLING", {})
    for label, (rc, doc) in reports(man, job):
        name = "%s-%s" % (s, label)
        if not result("_error" not in doc, name + "-ran", doc.get("_error")):
            continue
        result(rc in (None, 1) and found(doc, "PGMAP_DANGLING", dang.get("pfn")),
               name + "-PGMAP_DANGLING", [(f["code"], f["pfn"]) for f in doc["findings"]])
        result(found(doc, "PGMAP_REF_LOW", pgmap=drop.get("pgmap")), name + "-PGMAP_REF_LOW",
               [(f["code"], f["pgmap"]) for f in doc["findings"]])
        other = [f for f in errors(doc) if f["code"] != "PGMAP_DANGLING"]
        result(not other, name + "-nothing-else", other[:3])
        if label.endswith("-live") and not leaked(doc) and not knows:
            skip(name + "-PRIVATE_PAGE_LEAKED", "the live check ran a CLI without the code")
            continue
        result(leaked(doc) == [leak], name + "-PRIVATE_PAGE_LEAKED",
               [(f["code"], f["pfn"]) for f in doc["findings"]])
    for label, (rc, doc) in holder_reports(man, job):
        name = "%s-%s" % (s, label)
        if not result("_error" not in doc, name + "-ran", doc.get("_error")):
            continue
        leaks = [f["pfn"] for f in doc["findings"] if f["code"] == "PRIVATE_PAGE_LEAKED"]
        result(leaks == [leak], name + "-PRIVATE_PAGE_LEAKED", doc["findings"][:3])


def orphaned(doc):
    """pfns of every HOLDER_ORPHANED finding (a finding covers a run of count pages)."""
    return sorted(f["pfn"] + i for f in doc.get("findings", [])
                  if f["code"] == "HOLDER_ORPHANED" for i in range(f.get("count", 1)))


def check_bug(man, job):
    s = "bug-pgmap-ref"
    orphans = sorted(f["pfn"] for f in man["faults"] if f["code"] == "HOLDER_ORPHANED")
    gone = {f["pgmap"] for f in man["faults"]}
    result(len(orphans) == 16 and len(gone) == 1, "%s-manifest" % s, man["faults"][:2])
    for label, (rc, doc) in list(reports(man, job)) + list(holder_reports(man, job)):
        name = "%s-%s" % (s, label)
        if not result("_error" not in doc, name + "-ran", doc.get("_error")):
            continue
        covering = [p["address"] for p in doc["pgmaps"] for r in p.get("ranges", [])
                    if any(r["start_pfn"] <= o <= r["end_pfn"] for o in orphans)]
        result(not covering and not gone & {p["address"] for p in doc["pgmaps"]},
               name + "-pgmap-gone", covering)
        result(rc in (None, 1) and orphaned(doc) == orphans, name + "-HOLDER_ORPHANED",
               "%d of %d pfns" % (len(set(orphaned(doc)) & set(orphans)), len(orphans)))


def check_coherent(man, job):
    check_clean(man, job, "clean-coherent", (PRIVATE, PRIVATE, COHERENT, COHERENT), COHERENT)


CHECKS = {"clean-private": check_clean, "faults-private": check_faults,
          "bug-pgmap-ref": check_bug, "clean-coherent": check_coherent}


def main():
    p = subprocess.run([os.path.join(SB, "build-scenarios")] + list(CHECKS),
                       capture_output=True, text=True)
    if not result(p.returncode == 0, "build-scenarios", p.stderr[-600:]):
        return 1
    for line in p.stdout.split("\n"):
        if not line.strip():
            continue
        scen, rel, out = line.split()
        with open(os.path.join(out, "manifest.json")) as f:
            man = json.load(f)
        result(rel.startswith("6.1.") and "-pgmc-" in rel, "%s-selfbuilt-kernel" % scen, rel)
        CHECKS[scen](man, os.path.join(out, "job"))
    return 1 if testlib.failures else 0


if __name__ == "__main__":
    sys.exit(main())
