#!/usr/bin/python3
"""Bad input (issue #11): hostile and damaged dumps.  Never a crash, never a
hang, missing memory never a violation.

Every case damages a copy of a corpus dump (clean-devdax scenario) or builds
a hostile file, runs `pgmapcheck --json -k VMLINUX DUMP` with each build
(BADINPUT_BUILDS, default "build build-san": the ASan+UBSan build too) and
asserts, for each run:

  * no signal, no sanitizer report, exit status 0, 1 or 2 and never 130;
  * done within 10 s (the run is killed after 30 s, 12 s for the FIFO and
    device cases, or beyond 3 GB of RSS);
  * peak RSS below 200 MB (wait4 of that child; normal builds only: ASan
    inflates RSS), from a warm type memo: the first run on a kernel, which
    indexes its vmlinux DWARF (~330 MB), is made before, untimed;
  * exit 2 comes with exactly one line on stderr; exit 0/1 with the JSON
    report (schema 1), the status following its errors (--fail-on error);
  * the verdict of its class, against the undamaged dump's run with the
    same build ("new" findings = error/warning findings, by code, pfn and
    object, that the clean run lacks):

  garbage     empty, random, signature-only files; kdump header truncated at
              64 bytes, in the header, sub-header, VMCOREINFO, bitmaps, and
              at every 1/16 of the header area (up to the page data) and of
              the file; block_size, bitmap_blocks, max_mapnr, sub_hdr_size,
              header_version and VMCOREINFO offsets damaged; ELF e_phnum
              huge, program headers past EOF or wrapping, p_offset and
              p_filesz wrapping 2^64, p_filesz < p_memsz, overlapping
              segments with conflicting data, ELF truncated in the headers,
              at a segment boundary and mid-segment.
                Truncated headers: exit 2.  Truncated page data (T): exit 2,
              or exit 0/1 whose JSON `target` says the dump is truncated
              (a truthy target key containing "truncat", or
              target.complete = false), with no new finding and every
              device struct page lost with the cut reported in a
              MEMMAP_NOT_CAPTURED run.  Other header damage (H): exit 2, or a
              usable run without new findings.  p_filesz < p_memsz is judged
              like missing memory (M below).
  nonregular  FIFO (with and without a writer), directory, /dev/zero,
              /dev/null as the dump and as -k: exit 2, no blocking.
  missing     one page taken out of the dump (ELF: the PT_LOADs split around
              it, not zero-filled; kdump: dumpable bit cleared and its page
              descriptor dropped; kdump also: a descriptor pointing past EOF,
              with a huge size, or at data that is not zlib): a vmemmap
              frame of the device-dax range (a head frame and the shared
              tail frame), the page before a segment end, the dev_pagemap,
              the pgmap_array xa_node, the pgmap's percpu_ref_data, a hugetlb
              folio's head struct page; the VMCOREINFO note removed.
                (M): the exit status of the clean run, no new finding, and
              what was removed reported as not captured: its struct pages
              in MEMMAP_NOT_CAPTURED runs, a kernel structure as
              STRUCT_NOT_CAPTURED naming an address in the removed page (the
              xa_node also registry.complete = false; the percpu_ref_data
              also accepted as pgmaps[].ref.state "unreadable"; the hugetlb
              folio as STRUCT_NOT_CAPTURED in its vmemmap or
              MEMMAP_NOT_CAPTURED over its pfns).  Without VMCOREINFO: exit
              2 naming VMCOREINFO, or a usable run without new findings.
  cycles      a user PGD entry and a PMD entry pointing back at their own
              table, the hstate active list made cyclic with nr_huge_pages
              2^62, the task list cyclic, a pgmap range ending at 2^52 - 1,
              an xa_node slot pointing back at its node: done in 10 s and
              said: HUGETLB_LIST_CORRUPT, holder_walk.stopped = "cycle" (or a
              new finding), an error or warning on that pgmap, XARRAY_CORRUPT;
              the page-table loops: a new finding or holder_walk.stopped.
  metadata    VMCOREINFO claiming 5-level paging, a wrong KERNELOFFSET, a
              wrong PG_head_mask: exit 2, or fewer than 50 findings with a
              new warning/error (or a warning on stderr).
  vmlinux     another corpus kernel's vmlinux, an ELF without DWARF, a text
              file, a truncated vmlinux with -k: exit 2.

Damage is done on one private working copy per dump under
$PGMAPCHECK_CACHE/tmp/badinput.PID (ELF copies 1 GiB: one at a time, made on
first use, each case's edits undone and checked before the next case; the
directory is removed at exit).  Where structures live comes from the
manifest (vmemmap oracle frames) and a drgn probe of the clean dump
(/usr/bin/python3, drgn); cases needing drgn are skipped without it.

The other frontends (issue #11: "the drgn and crash frontends give the
same verdicts as the CLI on the damaged dumps that they can open"): on the
6.1 kernel's damaged dumps of the classes missing and cycles, two of the
cut kdump files that open (trunc-file-09of16, -15of16) and the ELF segment
whose tail is p_memsz only, right after the CLI runs and before the damage
is undone, the drgn frontend (drgn-scripts/pgmapcheck.py under
/usr/bin/python3, drgn 0.0.22, libinspect/build/libinspect.so.1) and the
crash extension (crash 8.0.2 --minimal, crash-ext/build/pgmapcheck.so, one
batch session: "pgmapcheck -j > FILE") check the same file, and each line
badinput/<class>/<case>/drgn and .../crash asserts, against the CLI of
libinspect/build on that file:

  * the same exit status class (crash: 1 when its report has errors, as
    --fail-on error; a check that fails is class 2), and for crash a -j
    report that is JSON alone;
  * the same set of (code, pfn) of error and warning findings and the same
    error and warning totals;
  * the same not-captured infos: MEMMAP_NOT_CAPTURED pfns,
    STRUCT_NOT_CAPTURED objects, what each says (not in the dump or not
    mapped), registry.complete and whether target says the file is cut;
    where a frontend's reader legitimately cannot see a hole as the CLI's
    does, the difference is accepted case by case (FE_ACCEPT, with why),
    never for an error or warning.

A frontend that cannot open the damaged file (drgn's or crash's own error
before any check) is a skip with its error line; a case the CLI does not
open (exit 2) skips its frontends.  crash sessions (seconds of start-up
each) run in the background, two at a time, on a snapshot of the damaged
file taken before the damage is undone; crash 8.0.2 reads an ELF vmcore
only with its program headers and notes in front of the memory, so an ELF
snapshot has them moved there (the same memory and program headers), and
the CLI run on that snapshot must give its first report again.

BADINPUT_CASES="a b": only cases whose name contains one of the words;
BADINPUT_BUILDS="build": only these builds; BADINPUT_NOMAKE=1: use the
builds as they are (no make); BADINPUT_SAVE=DIR: keep each run's stdout
(.json) and stderr (.err) there (the frontends' too);
BADINPUT_FRONTENDS="drgn crash" (the default): the frontends run on the
damaged dumps, "" none.
"""
import atexit
import concurrent.futures
import glob
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import badinput_lib as L  # noqa: E402
from testlib import CACHE, stable as fe_stable  # noqa: E402

TOP = os.path.dirname(HERE)
LI = os.path.join(TOP, "libinspect")
BUILDS = os.environ.get("BADINPUT_BUILDS", "build build-san").split()
FILTERS = [w for w in re.split(r"[\s,]+", os.environ.get("BADINPUT_CASES", "")) if w]
TIME_BOUND = 10.0
TIMEOUT = 30.0
BLOCK_TIMEOUT = 12.0
RSS_BOUND_KB = 200 * 1024
SCEN = "clean-devdax"
PAGE = 4096

counts = {"ok": 0, "not ok": 0, "skip": 0}


def out(kind, name, why=""):
    counts[kind] += 1
    line = "%s %s" % (kind, name)
    if why and kind != "ok":
        line += " - " + " ".join(why.split())[:1500]
    elif why:
        line += " (%s)" % why
    print(line, flush=True)


def selected(name):
    return not FILTERS or any(w in name for w in FILTERS)


# ---- builds --------------------------------------------------------------------

def binaries():
    bins = {}
    for b in BUILDS:
        path = os.path.join(LI, b, "pgmapcheck")
        if not os.environ.get("BADINPUT_NOMAKE"):
            cmd = ["make", "-s", "-C", LI]
            if b.endswith("-san"):
                cmd += ["SANITIZE=1", "BUILD=" + b[:-4]]
            else:
                cmd += ["BUILD=" + b]
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            if p.returncode:
                out("not ok", "badinput/make/" + b, p.stdout.decode(errors="replace")[-400:] +
                    (" (running the existing binary)" if os.access(path, os.X_OK) else ""))
        if os.access(path, os.X_OK):
            bins[b] = path
        else:
            out("not ok", "badinput/make/" + b, "%s missing" % path)
    # the frontends: libinspect/build (the drgn binding's libinspect.so.1)
    # and the crash extension linked with its libinspect.a
    if FRONTENDS and not os.environ.get("BADINPUT_NOMAKE"):
        cmds = [] if FE_BUILD in BUILDS else [["make", "-s", "-C", LI, "BUILD=" + FE_BUILD]]
        if "crash" in FRONTENDS:
            cmds.append(["make", "-s", "-C", os.path.join(TOP, "crash-ext"), "BUILD=" + FE_BUILD])
        for cmd in cmds:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            if p.returncode:
                out("not ok", "badinput/make/frontends", "%s: %s" % (
                    " ".join(cmd[2:]), p.stdout.decode(errors="replace")[-400:]))
    return bins


# ---- corpus ----------------------------------------------------------------------

def vkey(rel):
    return [int(x) for x in re.findall(r"\d+", rel.split("-")[0])[:3]]


class Kernel:
    def __init__(self, rel):
        self.rel = rel
        self.short = ".".join(rel.split(".")[:2])
        self.dir = os.path.join(CACHE, "corpus", rel, SCEN)
        self.manifest = json.load(open(os.path.join(self.dir, "manifest.json")))
        self.vmlinux = self.manifest["kernel"].get("vmlinux") or \
            os.path.join(CACHE, "kernels", rel, "vmlinux")
        self.dumps = {d["format"]: d["path"] for d in self.manifest["dumps"]
                      if os.path.exists(d["path"])}
        self._parsed = {}
        self._probe = None
        self.baseline = {}

    def parsed(self, fmt):
        if fmt not in self._parsed:
            self._parsed[fmt] = (L.Elf if fmt == "elf" else L.Kdump)(self.dumps[fmt])
        return self._parsed[fmt]

    def probe(self):
        if self._probe is None:
            base = self.baseline.get(("kdump", "build")) or next(iter(self.baseline.values()), None)
            holders = (base or {}).get("holders") or [{}]
            pgmaps = [p["address"] for p in self.manifest["pgmaps"]]
            self._probe = L.drgn_probe(self.dumps["kdump"], self.vmlinux,
                                       holders[0].get("mm"), holders[0].get("vaddr"), pgmaps)
        return self._probe

    def oracle(self):
        return self.manifest["vmemmap_oracle"][0]

    def pfns_in_frame(self, frame, sizeof_page=64):
        """Initialised device pfns whose struct page lies in vmemmap frame."""
        o = self.oracle()
        per = PAGE // sizeof_page
        first = o.get("initialised", {}).get("start_pfn", o["start_pfn"])
        s = set()
        for i, f in enumerate(o["frames"]):
            if f is not None and int(f, 16) == frame:
                lo = o["start_pfn"] + i * per
                s.update(p for p in range(lo, lo + per) if first <= p <= o["end_pfn"])
        return s

    def frames(self):
        return [int(f, 16) for f in self.oracle()["frames"] if f is not None]


def corpus_kernels():
    ks = []
    for d in sorted(glob.glob(os.path.join(CACHE, "corpus", "*", SCEN, "manifest.json"))):
        rel = d.split(os.sep)[-3]
        try:
            k = Kernel(rel)
        except (OSError, ValueError) as e:
            out("skip", "badinput/corpus/" + rel, "manifest unreadable: %s" % e)
            continue
        if "kdump" in k.dumps and os.path.exists(k.vmlinux):
            ks.append(k)
    return sorted(ks, key=lambda k: vkey(k.rel))


# ---- working copies --------------------------------------------------------------

TMP = None
works = {}


def tmpdir():
    global TMP
    if TMP is None:
        root = os.path.join(CACHE, "tmp")
        os.makedirs(root, exist_ok=True)
        for old in glob.glob(os.path.join(root, "badinput.*")):
            try:
                pid = int(old.rsplit(".", 1)[1])
                os.kill(pid, 0)
            except ProcessLookupError:
                shutil.rmtree(old, ignore_errors=True)
            except (ValueError, PermissionError):
                pass
        TMP = os.path.join(root, "badinput.%d" % os.getpid())
        os.makedirs(TMP, exist_ok=True)
        atexit.register(lambda: shutil.rmtree(TMP, ignore_errors=True))
    return TMP


def work_copy(k, fmt):
    key = (k.rel, fmt)
    if key not in works:
        if fmt == "elf":      # one 1 GiB copy at a time
            for other in [w for w in works if w[1] == "elf"]:
                works.pop(other).close()
        path = os.path.join(tmpdir(), "%s-%s.%s" % (k.short, SCEN, fmt))
        works[key] = L.WorkCopy(k.dumps[fmt], path)
    return works[key]


def cleanup(*_):
    if fe_pool:
        fe_pool.shutdown(wait=False, cancel_futures=True)
    L.kill_active()
    for w in works.values():
        try:
            w.close()
        except OSError:
            pass
    works.clear()
    if TMP:
        shutil.rmtree(TMP, ignore_errors=True)


def on_signal(sig, frame):
    cleanup()
    sys.exit(128 + sig)


signal.signal(signal.SIGTERM, on_signal)
signal.signal(signal.SIGINT, on_signal)


# ---- judging a run ---------------------------------------------------------------

def is_san(build):
    return build.endswith("-san")


def fkey(f):
    return (f["code"], f["pfn"], f["page"])


def new_bad(doc, clean):
    have = {fkey(f) for f in (clean or {}).get("findings", [])}
    return [f for f in doc.get("findings", [])
            if f["severity"] in ("error", "warning") and fkey(f) not in have]


def new_any(doc, clean):
    have = {fkey(f) for f in (clean or {}).get("findings", [])}
    return [f for f in doc.get("findings", []) if fkey(f) not in have]


def fshort(fs, n=4):
    return ", ".join("%s pfn %#x page %s: %s" % (f["code"], f["pfn"], f["page"], f["detail"][:90])
                     for f in fs[:n]) + (" (+%d)" % (len(fs) - n) if len(fs) > n else "")


def nc_pfns(doc):
    s = set()
    for f in doc.get("findings", []):
        if f["code"] == "MEMMAP_NOT_CAPTURED":
            s.update(range(f["pfn"], f["pfn"] + f.get("count", 1)))
    return s


def struct_nc(doc, lo, hi):
    return [f for f in doc.get("findings", []) if f["code"] == "STRUCT_NOT_CAPTURED" and
            lo <= int(f["page"], 16) < hi]


def unreached_pfns(doc, clean):
    """The pfns of the clean dump's pgmaps this run did not find or could
    not read, when it says its pgmap registry is incomplete (an xarray node
    of pgmap_array, or the dev_pagemap itself, lost in a cut file): it
    cannot name their struct pages, and says why."""
    if not clean or (doc.get("registry") or {}).get("complete", True):
        return set()
    found = {g.get("address") for g in doc.get("pgmaps", []) if g.get("ranges")}
    s = set()
    for g in clean.get("pgmaps", []):
        if g.get("address") not in found:
            for r in g.get("ranges", []):
                s.update(range(r["start_pfn"], r["end_pfn"] + 1))
    return s


def target_incomplete(doc):
    for k, v in (doc.get("target") or {}).items():
        kl = k.lower()
        if "truncat" in kl and v:
            return True
        if kl in ("complete", "dump_complete") and v is False:
            return True
        if kl == "incomplete" and v:
            return True
    return False


def total_findings(doc):
    return sum((doc.get("summary") or {}).get("by_code", {}).values())


def observed(r):
    s = "rc %s, %.2fs, %d MB" % (r.rc if r.signal is None else "signal %d" % r.signal,
                                 r.time, r.maxrss_kb >> 10)
    if r.killed:
        s += ", killed: " + r.killed
    if r.doc:
        s += ", findings %s" % json.dumps(r.doc.get("summary", {}).get("by_code", {}),
                                          separators=(",", ":"))
        if not r.doc.get("registry", {}).get("complete", True):
            s += ", registry incomplete"
    err = [ln for ln in r.stderr.splitlines() if ln.strip()]
    if err:
        s += ", stderr: " + " | ".join(err[:3])[:400]
    return s


def basic(r, build):
    """What every run must satisfy, whatever the input."""
    why = []
    if r.killed:
        why.append(r.killed)
    if r.signal is not None:
        why.append("killed by signal %d" % r.signal)
    if r.sanitizer:
        m = L.SAN_RE.search(r.stderr)
        where = re.search(r"#[1-9]\d* 0x[0-9a-f]+ +(?:in (\S+) )?\(([^)+]+)", r.stderr)
        lib = (" (first frame outside the sanitizer: %s)" % os.path.basename(where.group(2))
               if where else "")
        why.append("sanitizer report: " + (r.stderr[m.start():m.start() + 200] if m else
                                           "exit %d" % r.rc) + lib)
    elif r.signal is None and r.rc not in (0, 1, 2):
        why.append("exit status %d" % r.rc)
    if r.time >= TIME_BOUND:
        why.append("took %.1fs (bound %.0fs)" % (r.time, TIME_BOUND))
    if not is_san(build) and r.maxrss_kb >= RSS_BOUND_KB:
        why.append("peak RSS %d MB (bound %d MB)" % (r.maxrss_kb >> 10, RSS_BOUND_KB >> 10))
    if r.rc == 2 and not r.sanitizer:
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        if len(lines) != 1:
            why.append("exit 2 with %d stderr lines, want one message" % len(lines))
    if r.rc in (0, 1):
        if r.doc is None or r.doc.get("schema_version") != 1:
            why.append("exit %d without a JSON report" % r.rc)
        elif (r.doc["summary"]["errors"] > 0) != (r.rc == 1):
            why.append("exit %d with %d errors" % (r.rc, r.doc["summary"]["errors"]))
    return why


class Expect:
    """The verdict of a case.  kind:
       error     exit 2 (msg: a regex the message must match)
       harmless  exit 2, or a run without new findings
       trunc     exit 2, or a run saying it is truncated, no new findings,
                 the lost struct pages (pfns) not captured, or in a pgmap
                 the run says it could not reach (registry incomplete)
       missing   the clean exit status, no new findings, the removed thing
                 reported (pfns / struct range / alt predicate)
       flagged   exit 0/1 and pred(doc, clean) says it was noticed
       metadata  exit 2, or < 50 findings with a new warning/error
    """

    def __init__(self, kind, **kw):
        self.kind = kind
        self.msg = kw.get("msg")
        self.pfns = kw.get("pfns") or set()
        self.struct = kw.get("struct")          # (lo, hi) virtual
        self.alt = kw.get("alt")                # doc -> bool: also counts as reported
        self.need = kw.get("need")              # doc -> str or None: extra requirement
        self.pred = kw.get("pred")              # flagged: (doc, clean) -> str or None
        self.what = kw.get("what", "")


def verdict(e, r, clean):
    why = []
    doc = r.doc if r.rc in (0, 1) and r.doc else None
    if r.rc == 2 and e.msg and not re.search(e.msg, r.stderr, re.I):
        why.append("message does not match /%s/" % e.msg)
    if e.kind == "error":
        if r.rc != 2:
            why.append("exit %s, want 2 (input error)" % r.rc)
        return why
    if r.rc == 2 and e.kind in ("harmless", "trunc", "metadata"):
        return why
    if r.rc == 2 and e.kind == "missing" and e.msg:
        return why
    if doc is None:
        if r.rc == 2:
            why.append("exit 2 (%s), but the dump is usable: %s" % (
                r.stderr.strip()[:200], e.what or "only part of it is missing"))
        return why
    bad = new_bad(doc, clean)
    if e.kind in ("harmless", "trunc", "missing") and bad:
        why.append("%d new error/warning findings: %s" % (len(bad), fshort(bad)))
    if e.kind == "trunc":
        if not target_incomplete(doc):
            why.append("exit %d on a truncated dump without saying so (target %s)" % (
                r.rc, json.dumps(doc.get("target"))))
    if e.kind in ("trunc", "missing") and e.pfns:
        lost = e.pfns - nc_pfns(doc) - unreached_pfns(doc, clean)
        if lost:
            why.append("%d of %d struct pages of removed memory not in MEMMAP_NOT_CAPTURED "
                       "(first %#x)" % (len(lost), len(e.pfns), min(lost)))
    if e.kind == "missing":
        if clean and r.rc != clean.get("_rc", 0):
            why.append("exit %d, the clean dump gives %d" % (r.rc, clean.get("_rc", 0)))
        if e.struct:
            lo, hi = e.struct
            if not struct_nc(doc, lo, hi) and not (e.alt and e.alt(doc)):
                why.append("%s (%#x-%#x) not reported as not captured (no STRUCT_NOT_CAPTURED "
                           "there%s)" % (e.what, lo, hi - 1, "; nor the alternative" if e.alt else ""))
        if e.need:
            m = e.need(doc)
            if m:
                why.append(m)
    if e.kind == "flagged":
        if r.rc not in (0, 1):
            why.append("exit %d" % r.rc)
        m = e.pred(doc, clean)
        if m:
            why.append(m)
    if e.kind == "metadata":
        n = total_findings(doc)
        if n >= 50:
            why.append("%d findings (bound 50): %s" % (n, fshort(doc["findings"], 2)))
        if not new_bad(doc, clean) and not re.search(r"warning", r.stderr, re.I):
            why.append("exit %d without a warning about it" % r.rc)
    return why


# ---- running cases -----------------------------------------------------------------

BINS = {}


def cmd_for(build, dump, vmlinux):
    return [BINS[build], "--json", "-k", vmlinux, dump]


def baseline(k, fmt):
    """The undamaged dump, each build: what the damaged runs compare with."""
    if not k.baseline and BINS:
        # the type memo of this kernel ($PGMAPCHECK_CACHE/types): a cold
        # cache's DWARF index is not what the bounds are about
        L.run(cmd_for(next(iter(BINS)), k.dumps[fmt], k.vmlinux), TIMEOUT)
    for b in BINS:
        if (fmt, b) in k.baseline:
            continue
        r = L.run(cmd_for(b, k.dumps[fmt], k.vmlinux), TIMEOUT)
        name = "badinput/baseline/%s-%s/%s" % (k.short, fmt, b)
        why = basic(r, b)
        if r.rc != 0:
            why.append("clean dump: exit %s" % r.rc)
        out("not ok" if why else "ok", name, "; ".join(why + [observed(r)]) if why else
            "%.2fs, %d MB" % (r.time, r.maxrss_kb >> 10))
        doc = r.doc or {}
        doc["_rc"] = r.rc
        k.baseline[(fmt, b)] = doc


SAVE = os.environ.get("BADINPUT_SAVE")


def report(name, build, r, e, clean):
    why = basic(r, build) + verdict(e, r, clean)
    full = "%s/%s" % (name, build)
    if SAVE:
        base = os.path.join(SAVE, full.replace("/", "_"))
        os.makedirs(SAVE, exist_ok=True)
        with open(base + ".json", "w") as f:
            f.write(r.stdout)
        with open(base + ".err", "w") as f:
            f.write(r.stderr)
    if why:
        out("not ok", full, "; ".join(why) + " [observed: " + observed(r) + "]")
    else:
        out("ok", full, "rc %d, %.2fs, %d MB" % (r.rc, r.time, r.maxrss_kb >> 10))


def case(cls, cname, k, fmt, damage, timeout=TIMEOUT):
    """damage(work, parsed) applies the damage to the working copy of k's fmt
    dump and returns an Expect (or (Expect, dump path, vmlinux))."""
    name = "badinput/%s/%s-%s-%s" % (cls, k.short, fmt, cname)
    if not selected(name):
        return
    if fmt not in k.dumps:
        out("skip", name, "no %s dump for %s" % (fmt, k.rel))
        return
    baseline(k, fmt)
    try:
        w = work_copy(k, fmt)
        res = damage(w, k.parsed(fmt))
    except Exception as ex:   # a broken case setup is a failed case, not a lost one
        out("not ok", name, "case setup: %r" % ex)
        try:
            works[(k.rel, fmt)].restore()
        except Exception:
            pass
        return
    if isinstance(res, tuple):
        e, dump, vmlinux = res
    else:
        e, dump, vmlinux = res, w.path, k.vmlinux
    runs = {}
    for b in BINS:
        r = runs[b] = L.run(cmd_for(b, dump, vmlinux), timeout)
        report(name, b, r, e, k.baseline.get((fmt, b)))
    if fe_wanted(cls, cname, k):
        frontend_runs(name, dump, vmlinux, runs.get(FE_BUILD), elf=fmt == "elf")
    try:
        w.restore()
    except (OSError, RuntimeError) as ex:   # start the next case from a fresh copy
        out("not ok", name + "/restore", repr(ex))
        works.pop((k.rel, fmt)).close()


def file_case(cls, cname, make, e, k, timeout=TIMEOUT, fmt=None):
    """A case on a file made from scratch (no working copy)."""
    name = "badinput/%s/%s" % (cls, cname)
    if not selected(name):
        return
    if fmt:
        baseline(k, fmt)
    try:
        dump, vmlinux = make()
    except Exception as ex:
        out("not ok", name, "case setup: %r" % ex)
        return
    for b in BINS:
        r = L.run(cmd_for(b, dump, vmlinux), timeout)
        report(name, b, r, e, k.baseline.get((fmt, b)) if fmt else None)


def parallel_cases(specs):
    """(name, dump, vmlinux, Expect, timeout) run at the same time: cases that
    may block cost their timeout once, not once each."""
    jobs = []
    for name, dump, vmlinux, e, timeout in specs:
        if selected(name):
            for b in BINS:
                jobs.append((name, b, dump, vmlinux, e, timeout))
    if not jobs:
        return
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(jobs)) as ex:
        futs = [ex.submit(L.run, cmd_for(b, d, v), t) for _, b, d, v, _, t in jobs]
        for (name, b, _, _, e, _), f in zip(jobs, futs):
            report(name, b, f.result(), e, None)


# ---- the drgn and crash frontends on the damaged dumps ---------------------------------

# Issue #11: "the drgn and crash frontends give the same verdicts as the CLI on
# the damaged dumps that they can open" (see the docstring).  Only the 6.1
# kernel's dumps: host crash 8.0.2 opens no other.  Both frontends use
# libinspect/build, so the reference is the CLI of that build.
FRONTENDS = os.environ.get("BADINPUT_FRONTENDS", "drgn crash").split()
FE_BUILD = "build"
FE_KERNEL = "6.1."
FE_CLASSES = ("missing", "cycles")
# of the garbage class: two of the cut kdump files that open (09..15of16
# lose the same struct pages; 09 also stops the holder walk at a page table
# past the cut, 15 does not) and the ELF segment whose tail is p_memsz only
FE_GARBAGE = ("trunc-file-09of16", "trunc-file-15of16", "filesz-below-memsz")
FE_TIMEOUT = 300.0          # crash starts in ~3 s, in 10-15 s on a loaded machine
# crash --minimal: what a support engineer starts on a dump that crash's full
# start-up refuses (it reads per-cpu data and page tables a damaged dump may
# lack), and about half the start-up cost.  The extension's command is
# registered for it; tests/crash-ext.t checks full and minimal mode give the
# CLI's document on the intact dumps.
FE_CRASH_ARGS = ("--minimal",)
FE_CRASH = shutil.which("crash") or "/usr/bin/crash"
FE_EXT = os.path.join(TOP, "crash-ext", FE_BUILD, "pgmapcheck.so")
FE_LIB = os.path.join(LI, FE_BUILD, "libinspect.so.1")
FE_CLI = os.path.join(LI, FE_BUILD, "pgmapcheck")
# the wall time the frontends add (this thread's, waits for crash included)
# and their CPU time
fe_stats = {"cases": 0, "time": 0.0, "cpu": 0.0}

# Where a frontend may legitimately see a damaged file differently from the
# CLI: (frontend, word of the case name, item, why).  Only the not-captured
# items can be accepted; the exit status class and the error and warning
# findings must always be the CLI's (a frontend never reports a violation on
# memory the dump does not hold).  Decided case by case, on drgn 0.0.22 and
# crash 8.0.2:
#
#   trunc-file-*, drgn: drgn opens the cut kdump file with libkdumpfile,
#     which fails the reads past the end; the drgn target answers them
#     -ENODATA, so the same struct pages and structures are not captured,
#     said in the same words.  Only target.truncated differs: the CLI's own
#     target fills it (li_kdump_target_truncated: the file's size against
#     its page descriptors), a frontend's target has no such hook (null).
#   trunc-file-*, crash: the same.  (crash 8.0.2's full start-up does not
#     get through these files: it reads the per-cpu current_task, or a pud
#     page, past the cut.  --minimal does, FE_CRASH_ARGS.)
#   Every other case: none.  Both readers see the holes the damage makes
#     (a page out of the kdump bitmap or its descriptor unusable, a page out
#     of every ELF PT_LOAD, a p_memsz-only tail) where the CLI's does, and
#     the cycles are in memory they read alike.
FE_ACCEPT = [
    ("drgn", "trunc-file", "truncated", "drgn's reader fails the reads past the end of a cut "
     "kdump file (not captured, as the CLI says) but no frontend target can say the file is cut"),
    ("crash", "trunc-file", "truncated", "crash's reader fails the reads past the end of a cut "
     "kdump file (not captured, as the CLI says) but no frontend target can say the file is cut"),
]


# Known gaps of a frontend, not accepted as equal: the line is a skip that
# names the gap and shows what differs, so it stays visible until fixed.
FE_KNOWN = [
]


def fe_wanted(cls, cname, k):
    return bool(FRONTENDS) and k.rel.startswith(FE_KERNEL) and (
        cls in FE_CLASSES or (cls == "garbage" and cname in FE_GARBAGE))


def fe_available():
    """The frontends of BADINPUT_FRONTENDS that can run here (a skip line for
    the others)."""
    global FRONTENDS
    have = []
    for fe in FRONTENDS:
        why = None
        if fe == "drgn":
            if not DRGN:
                why = "drgn is not importable from /usr/bin/python3"
            elif not os.path.exists(FE_LIB):
                why = "%s missing" % FE_LIB
        elif fe == "crash":
            if not os.access(FE_CRASH, os.X_OK):
                why = "no crash"
            elif not os.path.exists(FE_EXT):
                why = "%s missing (make -C crash-ext)" % FE_EXT
            elif os.path.exists(os.path.join(LI, FE_BUILD, "libinspect.a")) and \
                    os.path.getmtime(FE_EXT) < os.path.getmtime(os.path.join(LI, FE_BUILD, "libinspect.a")):
                why = "%s is older than libinspect/%s/libinspect.a: its verdicts would be another " \
                      "library's (make -C crash-ext, or run without BADINPUT_NOMAKE)" % (FE_EXT, FE_BUILD)
        else:
            why = "unknown frontend (BADINPUT_FRONTENDS: drgn, crash)"
        if not why and not os.access(FE_CLI, os.X_OK):
            why = "%s missing: no CLI to compare with" % FE_CLI
        if why:
            out("skip", "badinput/frontends/" + fe, why)
        else:
            have.append(fe)
    FRONTENDS = have


def fe_verdict(doc):
    """What a frontend must share with the CLI on a damaged dump."""
    fs = doc.get("findings") or []
    reg = doc.get("registry") or {}
    return {
        "errors/warnings": sorted({(f["code"], f["pfn"]) for f in fs
                                   if f["severity"] in ("error", "warning")}),
        "counts": ((doc.get("summary") or {}).get("errors"),
                   (doc.get("summary") or {}).get("warnings")),
        "memmap-not-captured": nc_pfns(doc),
        "struct-not-captured": sorted({f["page"] for f in fs if f["code"] == "STRUCT_NOT_CAPTURED"}),
        # the same library writes them: what each says of the memory (not in
        # the dump, or not mapped at all) follows from the reader's answer
        "not-captured-details": sorted((f["code"], f["pfn"], f["page"], f["detail"]) for f in fs
                                       if f["code"] in ("MEMMAP_NOT_CAPTURED", "STRUCT_NOT_CAPTURED")),
        "registry-complete": reg.get("complete"),
        "truncated": target_incomplete(doc),
    }


def fe_show(item, v):
    if item == "errors/warnings":
        more = " (+%d)" % (len(v) - 6) if len(v) > 6 else ""
        return "[%s]" % ", ".join("%s@%#x" % cp for cp in v[:6]) + more
    if item == "memmap-not-captured":
        return "%d pfns%s" % (len(v), " %#x-%#x" % (min(v), max(v)) if v else "")
    if item == "not-captured-details":
        return "[%s]" % "; ".join("%s@%#x %s: %s" % (c, pfn, page, d[:100]) for c, pfn, page, d in v[:3])
    return json.dumps(v)


def fe_diff(item, a, b):
    """CLI value a, frontend value b: a short statement of the difference."""
    if item == "errors/warnings":
        only_a = [x for x in a if x not in b]
        only_b = [x for x in b if x not in a]
        return "only the CLI's %s, only the frontend's %s" % (fe_show(item, only_a), fe_show(item, only_b))
    if item == "memmap-not-captured":
        return "CLI %s, frontend %s (the CLI's alone: %s; the frontend's alone: %s)" % (
            fe_show(item, a), fe_show(item, b), fe_show(item, a - b), fe_show(item, b - a))
    if item == "not-captured-details":
        return "the CLI's %s, the frontend's %s" % (fe_show(item, [x for x in a if x not in b]),
                                                     fe_show(item, [x for x in b if x not in a]))
    return "CLI %s, frontend %s" % (fe_show(item, a), fe_show(item, b))


def fe_first_difference(a, b, path="$"):
    if type(a) is not type(b):
        return path
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return "%s.%s" % (path, key)
            d = fe_first_difference(a[key], b[key], "%s.%s" % (path, key))
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return "%s[] (%d vs %d)" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = fe_first_difference(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    return None if a == b else path


def fe_judge(fe, name, cli, r):
    """(kind, why) of one frontend run against the CLI's run on the same file."""
    full = "%s/%s" % (name, fe)
    why = []
    same = getattr(r, "relaid", None)
    if same is not None and (same.rc != cli.rc or same.doc is None or
                             fe_stable(same.doc) != fe_stable(cli.doc)):
        why.append("with its headers in front (for crash) the file is not the same dump to the CLI: "
                   "exit %s, the report differs from %s on" % (
                       same.rc, fe_first_difference(fe_stable(cli.doc), fe_stable(same.doc or {}))))
    if r.open_error:
        if why:
            return "not ok", "; ".join(why)
        return "skip", "%s cannot open it: %s" % (fe, r.open_error)
    if r.killed or r.signal is not None:
        why.append(r.killed or "killed by signal %d" % r.signal)
    doc = r.doc
    if doc is None:
        # the dump opened, the check did not run to a report: class 2
        why.append("exit status class 2 (%s), the CLI's %d" % (r.fe_error, cli.rc))
        return "not ok", "; ".join(why)
    if r.noise:
        why.append("the -j report is not JSON: %d line(s) of crash's own before it (%s)" % (
            len(r.noise), r.noise[0][:120]))
    if (doc.get("target") or {}).get("frontend") != fe:
        why.append("target %s" % json.dumps(doc.get("target")))
    errors = (doc.get("summary") or {}).get("errors", 0)
    rc = 1 if errors else 0         # --fail-on error, the CLI's default
    if fe == "drgn" and r.rc != rc:
        why.append("drgn exit %s with %d errors" % (r.rc, errors))
    if rc != cli.rc:
        why.append("exit status class %d, the CLI's %d" % (rc, cli.rc))
    a, b = fe_verdict(cli.doc), fe_verdict(doc)
    notes = []
    for item in a:
        if a[item] == b[item]:
            continue
        if item == "not-captured-details" and any(
                a[i] != b[i] for i in ("memmap-not-captured", "struct-not-captured")):
            continue        # said above
        acc = [w for f, word, it, w in FE_ACCEPT if f == fe and it == item and word in full]
        if acc and item not in ("errors/warnings", "counts"):
            notes.append("accepted: %s differs (%s): %s" % (item, fe_diff(item, a[item], b[item]), acc[0]))
        else:
            why.append("%s: %s" % (item, fe_diff(item, a[item], b[item])))
    if why:
        return "not ok", "; ".join(why) + " [CLI rc %d %s; %s %s]" % (
            cli.rc, json.dumps(cli.doc["summary"]["by_code"], separators=(",", ":")), fe,
            json.dumps(doc["summary"]["by_code"], separators=(",", ":")))
    d = fe_first_difference(fe_stable(cli.doc), fe_stable(doc))
    notes.insert(0, "rc %d as the CLI, %d error/warning findings, %d pfns not captured, %.1fs" % (
        rc, len(b["errors/warnings"]), len(b["memmap-not-captured"]), r.time))
    notes.append("report = the CLI's" if d is None else "reports differ from %s on" % d)
    if same is not None:
        notes.append("ELF headers moved to the front for crash")
    return "ok", "; ".join(notes)


def fe_report(name, fe, cli, r):
    if SAVE:
        base = os.path.join(SAVE, ("%s/%s" % (name, fe)).replace("/", "_"))
        os.makedirs(SAVE, exist_ok=True)
        with open(base + ".json", "w") as f:
            f.write(r.report_text)
        with open(base + ".err", "w") as f:
            f.write(r.stdout + r.stderr if fe == "crash" else r.stderr)
    try:
        kind, why = fe_judge(fe, name, cli, r)
    except Exception as ex:     # noqa: BLE001 - a broken judge is a failure
        kind, why = "not ok", "judging the %s run: %r" % (fe, ex)
    known = [w for f, word, w in FE_KNOWN if f == fe and word in name]
    if kind == "not ok" and known:
        kind, why = "skip", "known gap: %s; observed: %s" % (known[0], why[:400])
    out(kind, "%s/%s" % (name, fe), why)
    fe_stats["cpu"] += getattr(r, "cpu", 0.0) + getattr(getattr(r, "relaid", None), "cpu", 0.0)


# crash sessions (~2 s of start-up each, 5 s on a loaded machine) run in the
# background, FE_JOBS at a time, each on a snapshot of the damaged file taken
# before the damage is undone; their lines come when they are done, in order.
FE_JOBS = max(1, min(2, os.cpu_count() or 1))
fe_pool = None
fe_queue = []       # (name, cli, future) in case order
fe_serial = [0]


def crash_job(name, snap, vmlinux, elf, d):
    try:
        same = L.run([FE_CLI, "--json", "-k", vmlinux, snap], TIMEOUT) if elf else None
        r = L.crash_frontend(FE_CRASH, FE_EXT, snap, vmlinux, d, FE_TIMEOUT,
                             args=FE_CRASH_ARGS)
        r.relaid = same
        return r
    finally:
        shutil.rmtree(d, ignore_errors=True)


def fe_collect(wait_for=0):
    """Print the finished crash lines at the head of the queue; wait until at
    most wait_for jobs are left."""
    while fe_queue and (fe_queue[0][2].done() or len(fe_queue) > wait_for):
        name, cli, fut = fe_queue.pop(0)
        try:
            r = fut.result()
        except Exception as ex:     # noqa: BLE001
            out("not ok", "%s/crash" % name, "the crash job: %r" % ex)
            continue
        fe_report(name, "crash", cli, r)


def fe_finish():
    global fe_pool
    t0 = time.monotonic()
    fe_collect(0)
    fe_stats["time"] += time.monotonic() - t0
    if fe_pool:
        fe_pool.shutdown()
        fe_pool = None


def frontend_runs(name, dump, vmlinux, cli=None, elf=False):
    """The frontends on the damaged file that the CLI just checked: drgn now,
    crash on a snapshot (an ELF one with its headers in front, see
    L.elf_headers_in_front, and the CLI run on it again to show that it is
    the same dump to the CLI)."""
    global fe_pool
    if not FRONTENDS:
        return
    t0 = time.monotonic()
    if cli is None:     # BADINPUT_BUILDS without the frontends' build
        cli = L.run([FE_CLI, "--json", "-k", vmlinux, dump], TIMEOUT)
    if cli.rc not in (0, 1) or cli.doc is None:
        err = [ln for ln in cli.stderr.splitlines() if ln.strip()]
        for fe in FRONTENDS:
            out("skip", "%s/%s" % (name, fe), "the CLI does not open it (exit %s: %s)" % (
                cli.rc, err[0][:200] if err else "no message"))
        return
    if "crash" in FRONTENDS:
        fe_collect(FE_JOBS)         # a bounded queue: snapshots of 1 GiB
        fe_serial[0] += 1
        d = os.path.join(tmpdir(), "fe", str(fe_serial[0]))
        os.makedirs(d, exist_ok=True)
        snap = os.path.join(d, os.path.basename(dump))
        try:
            if elf:
                L.elf_headers_in_front(dump, snap)
            else:
                L.copy_file(dump, snap)
        except (OSError, ValueError) as ex:
            out("not ok", "%s/crash" % name, "snapshot for crash: %r" % ex)
            shutil.rmtree(d, ignore_errors=True)
        else:
            if fe_pool is None:
                fe_pool = concurrent.futures.ThreadPoolExecutor(max_workers=FE_JOBS)
            fe_queue.append((name, cli, fe_pool.submit(crash_job, name, snap, vmlinux, elf, d)))
    if "drgn" in FRONTENDS:
        fe_report(name, "drgn", cli, L.drgn_frontend(TOP, FE_LIB, dump, vmlinux, FE_TIMEOUT))
    fe_collect(FE_JOBS)
    fe_stats["cases"] += 1
    fe_stats["time"] += time.monotonic() - t0


# ---- a: garbage and header damage ----------------------------------------------------

TRUNC = r"truncat"     # an exit-2 message on a cut file must say so


def kd_trunc_expect(k, kd, cut):
    lost = set()
    for fr in set(k.frames()):
        if kd.page_lost_at(fr * PAGE, cut):
            lost |= k.pfns_in_frame(fr)
    return Expect("trunc", pfns=lost, msg=TRUNC)


def garbage_cases(P, N):
    d = os.path.join(tmpdir(), "files")
    os.makedirs(d, exist_ok=True)

    def mk(fname, data):
        def make():
            p = os.path.join(d, fname)
            with open(p, "wb") as f:
                f.write(data)
            return p, P.vmlinux
        return make

    rnd = os.urandom(1 << 20)
    file_case("garbage", "empty", mk("empty", b""), Expect("error"), P)
    file_case("garbage", "random-1MiB", mk("random", rnd), Expect("error"), P)
    file_case("garbage", "kdump-signature-only", mk("sig", b"KDUMP   "), Expect("error"), P)
    file_case("garbage", "kdump-signature-random", mk("sigrnd", b"KDUMP   " + rnd[:65536]),
              Expect("error"), P)
    file_case("garbage", "elf-ident-only",
              mk("ident", b"\x7fELF\x02\x01\x01" + b"\0" * 9), Expect("error"), P)
    with open(P.dumps["kdump"], "rb") as f:
        head = f.read(64)
    file_case("garbage", "kdump-header-64B-only", mk("kd64", head), Expect("error"), P)

    kd = P.parsed("kdump")
    bs = kd.bs

    def trunc(cut, e):
        def damage(w, _):
            w.truncate(cut)
            return e
        return damage

    # inside the headers: nothing usable
    for label, cut in (("64B", 64), ("main-header", 300), ("sub-header", bs + 48),
                       ("vmcoreinfo", kd.off_vmcoreinfo + kd.size_vmcoreinfo // 2),
                       ("bitmap1", kd.bitmap_off + 1000), ("bitmap2", kd.bitmap2_off + 1000)):
        case("garbage", "trunc-" + label, P, "kdump",
             trunc(cut, Expect("error", msg=TRUNC if cut > 464 else None)))
    data0 = kd.data_start()
    seen = set()
    for i in range(1, 16):
        cut = data0 * i // 16
        e = Expect("error", msg=TRUNC) if cut < kd.desc_off else kd_trunc_expect(P, kd, cut)
        case("garbage", "trunc-headers-%02dof16" % i, P, "kdump", trunc(cut, e))
        seen.add(cut)
    for i in range(1, 16):
        cut = kd.size * i // 16
        case("garbage", "trunc-file-%02dof16" % i, P, "kdump",
             trunc(cut, kd_trunc_expect(P, kd, cut)))
    # one on the newest kernel
    if N is not P:
        kdn = N.parsed("kdump")
        cut = kdn.size * 12 // 16
        case("garbage", "trunc-file-12of16", N, "kdump", trunc(cut, kd_trunc_expect(N, kdn, cut)))

    def hdr(off, fmt, val):
        def damage(w, _):
            w.write(off, struct.pack(fmt, val))
            return Expect("harmless")
        return damage

    for v in (0, 1000, -4096, 1 << 30, 2 * bs):
        case("garbage", "block-size-%d" % v, P, "kdump", hdr(428, "<i", v))
    case("garbage", "sub-hdr-size-huge", P, "kdump", hdr(432, "<i", 0x7fffffff))
    case("garbage", "sub-hdr-size-negative", P, "kdump", hdr(432, "<i", -1))
    case("garbage", "bitmap-blocks-huge", P, "kdump", hdr(436, "<I", 0x7fffffff))
    case("garbage", "bitmap-blocks-zero", P, "kdump", hdr(436, "<I", 0))
    case("garbage", "max-mapnr-huge", P, "kdump", hdr(bs + 96, "<Q", 1 << 62))
    case("garbage", "max-mapnr32-huge", P, "kdump", hdr(440, "<I", 0xffffffff))
    case("garbage", "header-version-99", P, "kdump", hdr(8, "<i", 99))
    case("garbage", "vmcoreinfo-offset-past-eof", P, "kdump", hdr(bs + 32, "<q", kd.size + (1 << 30)))
    case("garbage", "vmcoreinfo-size-huge", P, "kdump", hdr(bs + 40, "<Q", 1 << 62))
    case("garbage", "note-size-huge", P, "kdump", hdr(bs + 56, "<Q", 1 << 62))

    # ---- ELF
    if "elf" not in P.dumps:
        return
    el = P.parsed("elf")
    cnt_off = el.shoff + 44 if el.xnum else 56
    cnt_fmt = "<I" if el.xnum else "<H"
    big = max(el.loads, key=lambda p: p.filesz)
    bigi = el.phdrs.index(big)
    case("garbage", "phnum-huge", P, "elf", hdr(cnt_off, cnt_fmt, 0xffffffff if el.xnum else 0xfffe))
    if el.xnum:
        case("garbage", "phnum-doubled", P, "elf", hdr(cnt_off, cnt_fmt, el.phnum * 2))
    case("garbage", "phoff-past-eof", P, "elf", hdr(32, "<Q", el.size + (1 << 20)))

    # a section count without a table (fuzz_open: libkdumpfile 0.5.1 read NULL)
    def shnum_no_table(w, _):
        w.write(40, struct.pack("<Q", 0))
        w.write(60, struct.pack("<HH", 23040, 16973))
        return Expect("harmless")
    case("garbage", "shnum-without-table", P, "elf", shnum_no_table)
    case("garbage", "shentsize-zero", P, "elf", hdr(58, "<H", 0))
    case("garbage", "phoff-wraps", P, "elf", hdr(32, "<Q", 2**64 - 8))
    case("garbage", "p_offset-wraps", P, "elf",
         hdr(el.phoff + bigi * 56 + 8, "<Q", 2**64 - PAGE))
    case("garbage", "p_filesz-wraps", P, "elf",
         hdr(el.phoff + bigi * 56 + 32, "<Q", 2**64 - big.offset + PAGE))

    # p_filesz < p_memsz: a device-dax vmemmap head frame in the memsz-only tail
    fr = P.frames()[8]

    def memsz_tail(w, e):
        e.write_phdrs(w, e.without_phys(fr * PAGE, fr * PAGE + PAGE, tail_memsz=True))
        return Expect("missing", pfns=P.pfns_in_frame(fr), what="frame %#x (memsz only)" % fr)
    case("garbage", "filesz-below-memsz", P, "elf", memsz_tail)

    # overlapping segments, conflicting: a first PT_LOAD maps that frame to other bytes
    def overlap(w, e):
        other = e.phys_offsets(0x1000)[0]
        seg = L.Phdr(L.PT_LOAD, 0, other, 0, fr * PAGE, PAGE, PAGE, 0)
        e.write_phdrs(w, [seg] + e.phdrs)
        return Expect("harmless")
    case("garbage", "overlapping-segments", P, "elf", overlap)

    notes = [p for p in el.phdrs if p.type == L.PT_NOTE][0]
    for label, cut in (("64B", 64), ("phdrs", el.phoff + (el.phnum * 56) // 2 + 13),
                       ("notes", notes.offset + notes.filesz // 2)):
        case("garbage", "trunc-" + label, P, "elf", trunc(cut, Expect("error", msg=TRUNC)))

    def elf_trunc_expect(cut):
        lost = set()
        for f in set(P.frames()):
            if el.page_lost_at(f * PAGE, cut):
                lost |= P.pfns_in_frame(f)
        return Expect("trunc", pfns=lost, msg=TRUNC)
    for pct in (60, 90):
        cut = el.size * pct // 100 + 1234
        case("garbage", "trunc-mid-segment-%d%%" % pct, P, "elf", trunc(cut, elf_trunc_expect(cut)))
    cut = big.offset + big.filesz
    case("garbage", "trunc-segment-boundary", P, "elf", trunc(cut, elf_trunc_expect(cut)))
    # the boundary between two segments inside the vmemmap (a 4 KiB one)
    vm = sorted(p.offset + p.filesz for p in el.loads
                if p.filesz == PAGE and el.size * 3 // 4 < p.offset + p.filesz < el.size * 97 // 100)
    if vm:
        cut = vm[len(vm) // 2]
        case("garbage", "trunc-small-segment-boundary", P, "elf", trunc(cut, elf_trunc_expect(cut)))


# ---- b: non-regular files ----------------------------------------------------------

def nonregular_cases(P):
    d = os.path.join(tmpdir(), "nonregular")
    os.makedirs(d, exist_ok=True)
    fifo1, fifo2 = os.path.join(d, "fifo"), os.path.join(d, "fifo-writer")
    for f in (fifo1, fifo2):
        if not os.path.exists(f):
            os.mkfifo(f)
    # the second one has a writer for the whole time: open() succeeds, read() blocks
    wfd = os.open(fifo2, os.O_RDWR | os.O_NONBLOCK)
    dump = P.dumps["kdump"]
    E = Expect("error")
    specs = []
    for label, path in (("fifo", fifo1), ("fifo-with-writer", fifo2), ("directory", d),
                        ("dev-zero", "/dev/zero"), ("dev-null", "/dev/null")):
        specs.append(("badinput/nonregular/%s-as-dump" % label, path, P.vmlinux, E, BLOCK_TIMEOUT))
        specs.append(("badinput/nonregular/%s-as-vmlinux" % label, dump, path, E, BLOCK_TIMEOUT))
    try:
        parallel_cases(specs)
    finally:
        os.close(wfd)


# ---- c: missing memory ------------------------------------------------------------

def remove_page(w, dump, paddr):
    lo = paddr & ~(PAGE - 1)
    if isinstance(dump, L.Elf):
        dump.write_phdrs(w, dump.without_phys(lo, lo + PAGE))
    else:
        dump.remove_pfns(w, [lo // PAGE])


def page_va(va):
    lo = va & ~(PAGE - 1)
    return lo, lo + PAGE


def missing_cases(k, fmt, which):
    which = [c for c in which if selected("badinput/missing/%s-%s-%s" % (k.short, fmt, c))]
    if not which or fmt not in k.dumps:
        return
    probe = None
    if any(c in which for c in ("pgmap", "xa-node", "ref-data", "hugetlb")):
        if not DRGN:
            for c in which:
                name = "badinput/missing/%s-%s-%s" % (k.short, fmt, c)
                if selected(name):
                    out("skip", name, "needs drgn (/usr/bin/python3 -c 'import drgn')")
            which = [c for c in which if c in ("vmemmap-head", "vmemmap-shared", "segment-end",
                                               "vmcoreinfo", "desc-offset-past-eof",
                                               "desc-size-huge", "desc-bad-zlib")]
        else:
            try:
                baseline(k, "kdump")
                probe = k.probe()
            except Exception as ex:
                out("not ok", "badinput/missing/%s-probe" % k.short, "drgn probe: %r" % ex)
                return
    frames = k.frames()
    head = frames[8] if len(frames) > 8 else frames[0]
    shared = max(set(frames), key=frames.count)

    def rm_frame(fr):
        def damage(w, d):
            remove_page(w, d, fr * PAGE)
            return Expect("missing", pfns=k.pfns_in_frame(fr), what="vmemmap frame %#x" % fr)
        return damage

    for c in which:
        if c == "vmemmap-head":
            case("missing", c, k, fmt, rm_frame(head))
        elif c == "vmemmap-shared":
            case("missing", c, k, fmt, rm_frame(shared))
        elif c == "segment-end":
            def damage(w, d):
                big = max(d.loads, key=lambda p: p.filesz)
                remove_page(w, d, big.paddr + big.filesz - PAGE)
                return Expect("missing", what="page %#x" % (big.paddr + big.filesz - PAGE))
            case("missing", c, k, fmt, damage)
        elif c == "pgmap":
            pg = probe["pgmaps"][0]["pgmap"]

            def damage(w, d, pg=pg):
                remove_page(w, d, int(pg["pa"], 16))
                return Expect("missing", struct=page_va(int(pg["va"], 16)),
                              what="dev_pagemap %s" % pg["va"])
            case("missing", c, k, fmt, damage)
        elif c == "xa-node":
            node = probe["xa_nodes"][0]

            def damage(w, d, node=node):
                remove_page(w, d, int(node["pa"], 16))
                return Expect("missing", struct=page_va(int(node["va"], 16)),
                              what="pgmap_array xa_node %s" % node["va"],
                              need=lambda doc: None if doc["registry"]["complete"] is False
                              else "registry.complete is not false")
            case("missing", c, k, fmt, damage)
        elif c == "ref-data":
            rd = probe["pgmaps"][0]["ref_data"]
            pgaddr = probe["pgmaps"][0]["pgmap"]["va"]

            def damage(w, d, rd=rd, pgaddr=pgaddr):
                remove_page(w, d, int(rd["pa"], 16))
                return Expect("missing", struct=page_va(int(rd["va"], 16)),
                              what="percpu_ref_data %s" % rd["va"],
                              alt=lambda doc: any(p["address"] == pgaddr and
                                                  p["ref"]["state"] == "unreadable"
                                                  for p in doc["pgmaps"]))
            case("missing", c, k, fmt, damage)
        elif c == "hugetlb-head":
            act = probe["hstate"]["active"]
            node = act[len(act) // 2]
            head_va = int(node["va"], 16) - probe["off_page_lru"]
            clean = next((v for (f, b), v in k.baseline.items() if f == "kdump"), {})
            folio = next((f for f in clean.get("hugetlb", {}).get("folios", [])
                          if int(f["page"], 16) == head_va), None)
            vpages = folio["vmemmap_pages"] if folio else 1
            fpfn, npages = (folio["pfn"], 1 << folio["order"]) if folio else (-1, 0)

            def damage(w, d, node=node, head_va=head_va, vpages=vpages, fpfn=fpfn, npages=npages):
                remove_page(w, d, int(node["pa"], 16))
                return Expect("missing", struct=(head_va & ~(PAGE - 1), (head_va & ~(PAGE - 1)) + vpages * PAGE),
                              what="hugetlb folio head struct page %#x" % head_va,
                              alt=lambda doc: any(f["code"] == "MEMMAP_NOT_CAPTURED" and
                                                  f["pfn"] < fpfn + npages and
                                                  fpfn < f["pfn"] + f.get("count", 1)
                                                  for f in doc["findings"]))
            case("missing", c, k, fmt, damage)
        elif c == "vmcoreinfo":
            def damage(w, d):
                notes = L.notes_with_vmcoreinfo(L.parse_notes(d.note_blob), None)
                if isinstance(d, L.Elf):
                    d.set_notes(w, L.build_notes(notes))
                else:
                    d.set_notes(w, L.build_notes(notes), vmcoreinfo=False)
                return Expect("missing", msg="vmcoreinfo", what="without VMCOREINFO")
            case("missing", c, k, fmt, damage)
        elif c.startswith("desc-"):
            fr = frames[16] if len(frames) > 16 else head

            def damage(w, d, c=c, fr=fr):
                pos, off, size, flags, pflags = d.desc(fr)
                if c == "desc-offset-past-eof":
                    new = L.DESC.pack(d.size + (1 << 30), size, flags, pflags)
                elif c == "desc-size-huge":
                    new = L.DESC.pack(off, 0x7fffffff, flags, pflags)
                else:
                    junk = w.append(os.urandom(200))
                    new = L.DESC.pack(junk, 200, 1, pflags)
                w.write(pos, new)
                return Expect("missing", pfns=k.pfns_in_frame(fr), what="vmemmap frame %#x" % fr)
            case("missing", c, k, fmt, damage)


# ---- d: self-references and cycles -----------------------------------------------------

def cycle_cases(k, which):
    fmt = "kdump"
    which = [c for c in which if selected("badinput/cycles/%s-%s-%s" % (k.short, fmt, c))]
    if not which:
        return
    if not DRGN:
        out("skip", "badinput/cycles/%s" % k.short, "needs drgn")
        return
    try:
        baseline(k, fmt)
        probe = k.probe()
    except Exception as ex:
        out("not ok", "badinput/cycles/%s-probe" % k.short, "drgn probe: %r" % ex)
        return

    def edit(fn):
        def damage(w, d):
            ed = L.PhysEditor(d, w)
            e = fn(ed)
            ed.commit()
            return e
        return damage

    def has(code):
        def pred(doc, clean):
            return None if any(f["code"] == code for f in doc["findings"]) else "no %s finding" % code
        return pred

    def noticed(doc, clean):
        new = new_any(doc, clean)
        if new or doc.get("holder_walk", {}).get("stopped"):
            if total_findings(doc) >= 50:
                return "%d findings" % total_findings(doc)
            return None
        return "not noticed: no new finding, holder_walk %s" % json.dumps(doc.get("holder_walk"))

    h = probe.get("holder")
    for c in which:
        if c in ("pt-pgd-self", "pt-pmd-self"):
            if not h:
                out("skip", "badinput/cycles/%s-%s-%s" % (k.short, fmt, c), "no holder process found")
                continue
            lvl = h["path"][0] if c == "pt-pgd-self" else \
                next((p for p in h["path"] if p["shift"] == 21), None)
            if lvl is None:
                out("skip", "badinput/cycles/%s-%s-%s" % (k.short, fmt, c), "no PMD level on the path")
                continue
            table = int(lvl["table"], 16)
            free = [i for i in lvl["free"] if c == "pt-pmd-self" or i < 256]

            def fn(ed, table=table, slot=free[-1]):
                ed.write_u64(table + slot * 8, table | 0x67)
                return Expect("flagged", pred=noticed)
            case("cycles", c, k, fmt, edit(fn))
        elif c == "hugetlb-cycle":
            act = probe["hstate"]["active"]

            def fn(ed, act=act):
                ed.write_u64(int(act[-3]["pa"], 16), int(act[2]["va"], 16))
                ed.write_u64(int(probe["hstate"]["pa"], 16) + probe["hstate"]["off_nr_huge"], 1 << 62)

                def pred(doc, clean):
                    m = has("HUGETLB_LIST_CORRUPT")(doc, clean)
                    # a folio met again is the cycle: not one more folio
                    n = sum(h["folios"] for h in doc["hugetlb"]["hstates"])
                    n0 = sum(h["folios"] for h in (clean or {}).get("hugetlb", {}).get("hstates", []))
                    if n > n0:
                        m = (m + "; " if m else "") + "%d folios counted, the list holds %d" % (n, n0)
                    return m
                return Expect("flagged", pred=pred)
            case("cycles", c, k, fmt, edit(fn))
        elif c == "task-cycle":
            t = probe["tasks"]

            def fn(ed, t=t):
                ed.write_u64(int(t[-5]["pa"], 16), int(t[5]["va"], 16))

                def pred(doc, clean):
                    if doc["holder_walk"].get("stopped") == "cycle" or new_any(doc, clean):
                        return None
                    return "holder_walk %s" % json.dumps(doc["holder_walk"])
                return Expect("flagged", pred=pred)
            case("cycles", c, k, fmt, edit(fn))
        elif c == "pgmap-range-2^52":
            pg = probe["pgmaps"][0]

            def fn(ed, pg=pg):
                ed.write_u64(int(pg["pgmap"]["pa"], 16) + pg["off_range"] + 8, (1 << 52) - 1)

                def pred(doc, clean, a=pg["pgmap"]["va"]):
                    bad = [f for f in new_bad(doc, clean) if f["pgmap"] == a]
                    return None if bad else "no new error/warning on pgmap %s" % a
                return Expect("flagged", pred=pred)
            case("cycles", c, k, fmt, edit(fn))
        elif c == "xa-node-self":
            node = probe["xa_nodes"][0]

            def fn(ed, node=node):
                slot = node["free"][-1]
                ed.write_u64(int(node["pa"], 16) + node["off_slots"] + slot * 8, int(node["va"], 16) | 2)
                return Expect("flagged", pred=has("XARRAY_CORRUPT"))
            case("cycles", c, k, fmt, edit(fn))


# ---- e: contradicting metadata ---------------------------------------------------------

def metadata_cases(k, fmt, which):
    def vi(key, value):
        def damage(w, d):
            notes = L.parse_notes(d.note_blob)
            text = L.vmcoreinfo_of(notes)
            v = value(text) if callable(value) else value
            d.set_notes(w, L.build_notes(L.notes_with_vmcoreinfo(notes, L.vmcoreinfo_edit(text, key, v))))
            return Expect("metadata")
        return damage

    def pg_head(text):
        m = int(re.search(r"^NUMBER\(PG_head_mask\)=(\d+)$", text, re.M).group(1))
        return str(m << 1)
    for c in which:
        if c == "l5":
            case("metadata", "pgtable-l5-enabled", k, fmt, vi("NUMBER(pgtable_l5_enabled)", "1"))
        elif c == "kerneloffset":
            case("metadata", "kerneloffset-wrong", k, fmt, vi("KERNELOFFSET", "1e000000"))
        elif c == "pg-head":
            case("metadata", "pg-head-mask-wrong", k, fmt, vi("NUMBER(PG_head_mask)", pg_head))


# ---- f: mismatched vmlinux --------------------------------------------------------------

def vmlinux_cases(ks):
    for i, k in enumerate(ks):
        o = ks[(i + 1) % len(ks)]
        if o is k:
            continue
        file_case("vmlinux", "%s-dump-%s-vmlinux" % (k.short, o.short),
                  lambda k=k, o=o: (k.dumps["kdump"], o.vmlinux), Expect("error"), k)
    P = ks[0]
    d = os.path.join(tmpdir(), "files")
    os.makedirs(d, exist_ok=True)

    def trunc_vmlinux():
        p = os.path.join(d, "vmlinux-4MiB")
        with open(P.vmlinux, "rb") as f, open(p, "wb") as g:
            g.write(f.read(4 << 20))
        return P.dumps["kdump"], p
    file_case("vmlinux", "%s-truncated-vmlinux" % P.short, trunc_vmlinux, Expect("error"), P)
    true = shutil.which("true") or "/bin/true"
    file_case("vmlinux", "%s-elf-without-dwarf" % P.short, lambda: (P.dumps["kdump"], true),
              Expect("error"), P)
    file_case("vmlinux", "%s-text-file" % P.short,
              lambda: (P.dumps["kdump"], os.path.join(P.dir, "manifest.json")), Expect("error"), P)


# ---- main ---------------------------------------------------------------------------

DRGN = False


def main():
    global DRGN, BINS
    t0 = time.monotonic()
    ks = corpus_kernels()
    if not ks:
        out("skip", "badinput", "no corpus with a %s scenario under %s/corpus (make vmcores)" % (SCEN, CACHE))
        return
    BINS = binaries()
    if not BINS:
        return
    spawn, log = L.build_spawner(tmpdir())
    if not spawn:
        out("skip", "badinput/rss-spawner", "cc failed, peak RSS from wait4 includes this "
            "Python's own: %s" % log[-300:])
    DRGN = L.drgn_available()
    fe_available()
    P = next((k for k in ks if k.rel.startswith("6.1.")), ks[0])
    N = ks[-1]
    M = next((k for k in ks if k is not P and k is not N), None)

    garbage_cases(P, N)
    nonregular_cases(P)
    missing_cases(P, "elf", ["vmemmap-head", "vmemmap-shared", "segment-end", "pgmap", "xa-node",
                             "ref-data", "hugetlb-head", "vmcoreinfo"])
    missing_cases(P, "kdump", ["vmemmap-head", "vmemmap-shared", "pgmap", "xa-node", "ref-data",
                               "hugetlb-head", "vmcoreinfo", "desc-offset-past-eof",
                               "desc-size-huge", "desc-bad-zlib"])
    if N is not P:
        missing_cases(N, "kdump", ["vmemmap-head", "xa-node", "hugetlb-head"])
    for w in [w for w in works if w[1] == "elf"]:
        works.pop(w).close()
    cycle_cases(P, ["pt-pgd-self", "pt-pmd-self", "hugetlb-cycle", "task-cycle",
                    "pgmap-range-2^52", "xa-node-self"])
    if N is not P:
        cycle_cases(N, ["hugetlb-cycle", "pgmap-range-2^52"])
    metadata_cases(P, "kdump", ["l5", "kerneloffset", "pg-head"])
    metadata_cases(P, "elf", ["kerneloffset"])
    for k in (M, N):
        if k is not None and k is not P:
            metadata_cases(k, "kdump", ["l5", "pg-head"])
    vmlinux_cases(ks)
    fe_finish()
    if fe_stats["cases"]:
        print("# badinput: the frontends (%s) on %d damaged dumps: %.0fs (%.0fs of CPU)" % (
            " ".join(FRONTENDS), fe_stats["cases"], fe_stats["time"], fe_stats["cpu"]), flush=True)
    print("# badinput: %d ok, %d not ok, %d skipped in %.0fs" % (
        counts["ok"], counts["not ok"], counts["skip"], time.monotonic() - t0), flush=True)


try:
    main()
finally:
    cleanup()
sys.exit(0)
