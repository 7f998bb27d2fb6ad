#!/usr/bin/python3
"""Self-test of the dump corpus (vmcores/), independent of libinspect.

Every dump of every scenario of every kernel in the corpus (KREL=R: only R)
is opened with drgn and with crash; both must show, at each injected pfn, the
struct page state the test module says it wrote, and every pgmap of the
manifest with its type, pfn range, vmemmap_shift and altmap flag.  A few
vmemmap oracle frames are checked against crash's own page-table walk (vtop).
The corpus must already exist (make vmcores; `make test` runs it first): every
scenario of the host's own kernel (bookworm's, or KREL), with the dump formats
its script declares (pgmc-dumps); other kernels are checked for what they hold.

The host's tools come first (crash 8.0.2, drgn 0.0.22).  Where one cannot open
a dump at all (crash 8.0.2 predates 6.12 and 7.x), that is a skip carrying its
own error line, and the same checks run with the sid chroot's tool instead
(crash 9, drgn 0.3, vmcores/sid-chroot; names .../crash-sid/..., .../drgn-sid/
...), which must open it: the dumps of newer kernels are checked all the same.

A dump's verdict is a function of its bytes, its manifest, this script and
the tools' versions: a check whose lines were all ok/skip is kept in
$PGMAPCHECK_CACHE/selftest-verdicts.json under the hash of those, and
replayed while none of them changed (a new dump, a changed script, a tool
upgrade run it again; a failure is never kept).  SELFTEST_NOCACHE=1 runs
every check.
"""
import glob
import hashlib
import json
import os
import re
import subprocess
import sys
import threading
import types
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.environ.get("PGMAPCHECK_CACHE") or os.path.expanduser("~/.cache/pgmapcheck")
PGMAP_ALTMAP_VALID = 1
PERCPU_REF_DEAD = 2
SIZEOF_PAGE = 64
# crash 9 and drgn 0.3 (vmcores/sid-chroot run: same paths, cwd kept)
SID_CHROOT = [os.path.join(ROOT, "vmcores/sid-chroot"), "run"]

local = threading.local()


def result(ok, name, why=""):
    """One assertion line; collected per job when dumps are checked in parallel."""
    line = "ok %s" % name if ok else "not ok %s - %s" % (name, why)
    out = getattr(local, "lines", None)
    if out is None:
        print(line, flush=True)
    else:
        out.append(line)


def skipped(name, why):
    line = "skip %s - %s" % (name, " ".join(why.split())[:400])
    out = getattr(local, "lines", None)
    if out is None:
        print(line, flush=True)
    else:
        out.append(line)


def collected(fn, *args):
    local.lines = []
    try:
        fn(*args)
    except Exception as e:  # a crashed check is a failed check, not a lost one
        result(False, args[0] + "/error", repr(e))
    return local.lines


def krel():
    if os.environ.get("KREL"):
        return os.environ["KREL"]
    out = subprocess.run(["apt-cache", "depends", "linux-image-amd64"],
                         capture_output=True, text=True).stdout
    m = re.search(r"Depends: linux-image-(\d\S*)", out)
    return m.group(1) if m else None


def declared_dumps(scen):
    """The dump formats a scenario script declares ("# pgmc-dumps: ...")."""
    with open(os.path.join(ROOT, "vmcores/scenarios", scen + ".sh")) as f:
        m = re.search(r"^# pgmc-dumps:(.*)$", f.read(), re.M)
    return sorted(m.group(1).split()) if m else None


def num(v):
    return v if isinstance(v, int) else int(v, 0)


# The struct page state is compared as these members, wherever a kernel keeps
# them (vmcores/kmod/README):
#   _refcount, flags   page->_refcount, page->flags (7.x: flags.f)
#   word8              word 1 of the page: compound_head of a tail, pgmap of a
#                      head (6.1, 6.12: page->pgmap; 7.x: folio->pgmap, the
#                      head's word 1; 7.x tails: compound_info)
#   1:order            page[1].compound_order (6.1); folio->_flags_1 & 0xff
#   1:pincount         page[1].compound_pincount (6.1); folio->_pincount


def expected_page_state(f):
    """(member, value) pairs the injected pfn's struct page must show, from
    the fields of the module's PGMAPCHECK-INJECT line."""
    x = f["fields"]
    code = f["code"]
    want = []
    if code in ("TAIL_REFCOUNT", "REFCOUNT_BELOW_IDLE", "PGMAP_REF_DEAD"):
        want.append(("_refcount", num(x["refcount"])))
    if code == "TAIL_HEAD_MISMATCH":
        want.append(("word8", num(x["compound_head"])))
    if code == "HEAD_ORDER_MISMATCH":
        want.append(("1:order", num(x["order"])))
    if code in ("PGMAP_DANGLING", "PGMAP_RANGE"):
        want += [("word8", num(x["pgmap_ptr"])), ("_refcount", num(x["refcount"]))]
    if code == "ZONE_MISMATCH":
        want.append(("flags", num(x["flags"])))
    if code == "PINCOUNT_EXCEEDS_REFCOUNT":
        want += [("1:pincount", num(x["pincount"])), ("_refcount", num(x["refcount"]))]
    return want


def fault_page_states(f):
    """[(pfn, [(member, value)])]: the fault's pfn, the pfn actually written
    when it shows elsewhere (an aliased tail: the same memory), and the
    vmemmap frame whose refcount VMEMMAP_SHARED_REFCOUNT raised."""
    out = [(f["pfn"], expected_page_state(f))]
    if "injected_pfn" in f:
        out.append((f["injected_pfn"], expected_page_state(f)))
    if f["code"] == "VMEMMAP_SHARED_REFCOUNT":
        out.append((f["fields"]["frame"], [("_refcount", f["fields"]["frame_refcount"])]))
    return out


def covers(pg, pfn):
    return any(r["start_pfn"] <= pfn <= r["end_pfn"] for r in pg["ranges"])


def check_manifest(name, m, scen):
    """Manifest-only assertions (no dump opened)."""
    pre = "%s/manifest" % name
    result(m.get("schema") == 1 and m.get("scenario") == scen, pre + "/schema",
           "schema %r scenario %r" % (m.get("schema"), m.get("scenario")))
    vmlinux = m["kernel"]["vmlinux"]
    result(os.path.exists(vmlinux), pre + "/vmlinux", vmlinux + " missing")
    formats = sorted(d["format"] for d in m["dumps"])
    want = declared_dumps(scen)
    result(formats == want, pre + "/dump-formats",
           "formats %s, %s.sh declares %s" % (formats, scen, want))
    for d in m["dumps"]:
        result(os.path.getsize(d["path"]) > 1 << 20 if os.path.exists(d["path"]) else False,
               "%s/dump-%s-exists" % (pre, d["format"]), d["path"])
    result(len(m["pgmaps"]) > 0, pre + "/pgmaps", "no pgmap recorded")
    # the module's pgmaps against the guest's nd regions (sysfs, as ndctl sees them)
    regions = [tuple(int(x, 0) for x in r.split()[1:3]) for r in m["guest"]["regions"]]
    for i, pg in enumerate(m["pgmaps"]):
        inside = all(any(st >> 12 <= r["start_pfn"] and r["end_pfn"] < (st + sz) >> 12
                         for st, sz in regions) for r in pg["ranges"])
        result(inside, "%s/pgmap%d-in-region" % (pre, i),
               "ranges %s outside the nd regions %s" % (pg["ranges"], m["guest"]["regions"]))
    result(len(regions) == len(m["pgmaps"]), pre + "/pgmap-per-region",
           "%d regions, %d pgmaps" % (len(regions), len(m["pgmaps"])))
    nranges = sum(len(p["ranges"]) for p in m["pgmaps"])
    result(len(m["vmemmap_oracle"]) == nranges, pre + "/oracle-entries",
           "%d oracle entries for %d ranges" % (len(m["vmemmap_oracle"]), nranges))
    for i, o in enumerate(m["vmemmap_oracle"]):
        want = ((o["end_pfn"] + 1 - o["start_pfn"]) * SIZEOF_PAGE + 4095) // 4096
        good = (o["vmemmap_pages"] >= want and o["unmapped"] == 0 and
                0 < o["distinct_frames"] <= o["vmemmap_pages"])
        result(good, "%s/oracle%d" % (pre, i),
               "pages %d (want >= %d) unmapped %d distinct %d" %
               (o["vmemmap_pages"], want, o["unmapped"], o["distinct_frames"]))
    if m["expect"].get("clean"):
        result(not m["faults"], pre + "/no-faults", "%d faults in a clean scenario" % len(m["faults"]))
    else:
        codes = sorted(f["code"] for f in m["faults"])
        want = sorted(["TAIL_REFCOUNT", "TAIL_HEAD_MISMATCH", "HEAD_ORDER_MISMATCH",
                       "PGMAP_DANGLING", "PGMAP_RANGE", "REFCOUNT_BELOW_IDLE",
                       "ZONE_MISMATCH", "PGMAP_REF_DEAD", "TAIL_REFCOUNT",
                       "PINCOUNT_EXCEEDS_REFCOUNT", "VMEMMAP_SHARED_REFCOUNT"])
        result(codes == want, pre + "/fault-codes", "codes %s" % codes)
        for f in m["faults"]:
            if f.get("injected_code") == "TAIL_REFCOUNT_ALIASED":
                x = f["fields"]
                head, idx = x["head_pfn"], x["tail_index"]
                good = (f["code"] == "TAIL_REFCOUNT" and idx >= 64 and
                        f["injected_pfn"] == head + idx and f["pfn"] == head + 64 + idx % 64
                        and x["aliases"] > 1)
                result(good, pre + "/aliased-tail-first-alias",
                       "pfn 0x%x injected 0x%x head 0x%x index %d aliases %d" %
                       (f["pfn"], f["injected_pfn"], head, idx, x["aliases"]))
            if f["code"] == "VMEMMAP_SHARED_REFCOUNT":
                x = f["fields"]
                comps = [c for o in m["vmemmap_oracle"] for c in o.get("compounds", [])
                         if c["head_pfn"] == f["pfn"]]
                # F1 = the frame of the compound's second vmemmap page (oracle)
                frames = [o["frames"][(f["pfn"] - o["start_pfn"]) * SIZEOF_PAGE // 4096 + 1]
                          for o in m["vmemmap_oracle"] if o["start_pfn"] <= f["pfn"] <= o["end_pfn"]]
                good = (frames == [hex(x["frame"])] and len(comps) == 1 and
                        x["ptes"] == comps[0]["vmemmap_pages"] - 1 and
                        x["frame_refcount"] == x["old_frame_refcount"] + 1)
                result(good, pre + "/shared-frame-target",
                       "frame 0x%x (oracle %s) ptes %d refcount %d->%d compound %s" %
                       (x["frame"], frames, x["ptes"], x["old_frame_refcount"],
                        x["frame_refcount"], comps))
        pfns = [f["pfn"] for f in m["faults"]]
        result(len(set(pfns)) == len(pfns), pre + "/fault-pfns-distinct", "pfns %s" % pfns)
        for f in m["faults"]:
            if f["code"] == "PGMAP_RANGE":
                other = [p for p in m["pgmaps"] if p["address"] == f["fields"]["pgmap_ptr"]]
                result(len(other) == 1 and not covers(other[0], f["pfn"]),
                       pre + "/pgmap-range-target", "pgmap_ptr %s is not another recorded "
                       "pgmap missing pfn 0x%x" % (f["fields"]["pgmap_ptr"], f["pfn"]))
            if f["code"] == "PGMAP_DANGLING":
                known = [p["address"] for p in m["pgmaps"]]
                result(f["fields"]["pgmap_ptr"] not in known, pre + "/pgmap-dangling-target",
                       "dangling pointer names a live pgmap")
    if scen == "clean-devdax":
        # HVO: the 7 tail vmemmap pages of a 2 MiB folio map one frame, its
        # head page's (6.1, 6.12) or one shared by all folios (7.x)
        h = m["hugetlb_oracle"]
        result(len(h) == 16 and all(e["vmemmap_pages"] == 8 and len(set(e["frames"][1:])) == 1
                                    and e["distinct_frames"] <= 2 for e in h),
               pre + "/hugetlb-hvo", "hugetlb oracle %s" % [
                   (e["vmemmap_pages"], e["distinct_frames"], len(set(e["frames"][1:])))
                   for e in h])
        comps = [c for o in m["vmemmap_oracle"] for c in o.get("compounds", [])]
        result(comps and all(c["distinct_frames"] == 2 for c in comps),
               pre + "/devdax-vmemmap-dedup",
               "distinct frames per compound %s" % sorted({c["distinct_frames"] for c in comps}))
        result(len(m["pins"]) > 0, pre + "/pins", "no PGMAPCHECK-PIN line")


# ---------------------------------------------------------------- drgn

DRGN_PROG = r'''
import json, sys, drgn
from drgn.helpers.linux.mm import pfn_to_page
req = json.load(sys.stdin)
try:
    prog = drgn.Program()
    prog.set_core_dump(req["dump"])
    prog.load_debug_info([req["vmlinux"]])
    release = prog["init_uts_ns"].name.release.string_().decode()
    print("drgn-opened", file=sys.stderr, flush=True)
except Exception as e:
    # drgn cannot open this dump at all: its own words, for the skip line
    json.dump({"open_error": "drgn %s: %s: %s" % (drgn.__version__, type(e).__name__,
                                                  " ".join(str(e).split()))}, sys.stdout)
    sys.exit(0)
out = {"release": release, "drgn": drgn.__version__,
       "vmemmap_base": int(prog["vmemmap_base"]),
       "zone_device": prog.constant("ZONE_DEVICE").value_(),
       "pages": {}, "pgmaps": {}}
page_t = prog.type("struct page")
def flags(page):
    try:
        return page.flags.f.value_()     # 7.x: memdesc_flags_t
    except AttributeError:
        return page.flags.value_()
def member(page, m):     # the layouts: see the comment above expected_page_state()
    if m == "_refcount":
        return page._refcount.counter.value_()
    if m == "flags":
        return flags(page)
    if m == "word8":
        return prog.read_u64(page.value_() + 8)
    if m == "1:order":
        if page_t.has_member("compound_order"):
            return (page + 1).compound_order.value_()
        return flags(page + 1) & 0xff
    if m == "1:pincount":
        if page_t.has_member("compound_pincount"):
            return (page + 1).compound_pincount.counter.value_()
        return drgn.cast("struct folio *", page)._pincount.counter.value_()
    raise ValueError(m)
for pfn, members in req["pages"].items():
    page = pfn_to_page(prog, int(pfn))
    try:
        values = {m: member(page, m) for m in members}
    except drgn.FaultError:
        values = {}     # struct page not in the dump (see memmap_absent)
    out["pages"][pfn] = {"addr": page.value_(), "values": values}
for addr in req["pgmaps"]:
    g = drgn.Object(prog, "struct dev_pagemap", address=int(addr, 16))
    out["pgmaps"][addr] = {
        "type": g.member_("type").format_(), "vmemmap_shift": g.vmemmap_shift.value_(),
        "flags": g.flags.value_(), "nr_range": g.nr_range.value_(),
        "start": g.range.start.value_(), "end": g.range.end.value_(),
        "percpu_count_ptr": g.ref.percpu_count_ptr.value_(), "done": g.done.done.value_()}
json.dump(out, sys.stdout)
'''


def page_requests(m):
    """pfn -> members to read, for every fault and every pin."""
    req = {}
    for f in m["faults"]:
        for pfn, want in fault_page_states(f):
            req.setdefault(str(pfn), set()).update(k for k, _ in want)
    for p in m["pins"]:
        req.setdefault(str(p["pfn"]), set()).update(["_refcount", "1:pincount"])
    for p in m.get("pages", []):
        req.setdefault(str(p["pfn"]), set()).update(k for k, _ in recorded_page_state(p))
    return {k: sorted(v) for k, v in req.items()}


def recorded_page_state(p):
    """(member, value) pairs of a PGMAPCHECK-PAGE record (the guest's view)."""
    want = [("_refcount", p["refcount"]), ("flags", num(p["flags"])),
            ("word8", num(p["word8"]))]
    if p["head"]:
        want += [("1:order", p["order"]), ("1:pincount", p["pincount"])]
    return want


def memmap_absent(m, fmt, pfn):
    """makedumpfile on /proc/vmcore saves System RAM only: struct pages kept
    on the device itself (--map=dev, altmap) are not in a kdump-panic dump."""
    return fmt == "kdump-panic" and any(pg["altmap"] and covers(pg, pfn) for pg in m["pgmaps"])


def check_absent(pre, m, fmt, pages):
    """Pages whose memmap the dump cannot hold must read as missing; returns
    the pfns handled here."""
    gone = set()
    for pfn, p in pages.items():
        if memmap_absent(m, fmt, int(pfn)):
            gone.add(pfn)
            result(not p["values"], "%s/memmap-absent-0x%x" % (pre, int(pfn)),
                   "struct page of device pfn readable: %s" % p["values"])
    return gone


def check_state(pre, m, tool, pages, pgmaps, zone_device, fmt):
    """Compare what a tool read from the dump with the manifest."""
    gone = check_absent(pre, m, fmt, pages)
    for i, pg in enumerate(m["pgmaps"]):
        name = "%s/pgmap%d" % (pre, i)
        g = pgmaps.get(pg["address"])
        if g is None:
            result(False, name, "%s could not read %s" % (tool, pg["address"]))
            continue
        r = pg["ranges"][0]
        got = (g["type"].split(")")[-1].strip(), g["vmemmap_shift"], g["start"] >> 12,
               g["end"] >> 12, bool(g["flags"] & PGMAP_ALTMAP_VALID), g["nr_range"])
        want = (pg["type"], pg["vmemmap_shift"], r["start_pfn"], r["end_pfn"], pg["altmap"],
                len(pg["ranges"]))
        result(got == want, name, "%s read %s at %s, manifest %s" %
               (tool, got, pg["address"], want))
    for f in m["faults"]:
        name = "%s/fault-%s-0x%x" % (pre, f["code"], f["pfn"])
        if str(f["pfn"]) in gone:
            continue
        p = pages.get(str(f["pfn"]))
        if p is None:
            result(False, name, "%s could not read pfn 0x%x" % (tool, f["pfn"]))
            continue
        bad = []
        for pfn, want in fault_page_states(f):
            got = pages.get(str(pfn), {"values": {}})["values"]
            bad += ["0x%x %s=%s (want %s)" % (pfn, k, hex(got.get(k, -1)), hex(v))
                    for k, v in want if got.get(k) != v]
        if p["addr"] is not None and p["addr"] != num(f["fields"]["page"]):
            bad.append("struct page at 0x%x, module said %s" % (p["addr"], f["fields"]["page"]))
        if f["code"] == "ZONE_MISMATCH":
            x = f["fields"]
            zone = (p["values"].get("flags", 0) >> x["zones_pgshift"]) & num(x["zones_mask"])
            if zone == (x["zone_device"] if zone_device is None else zone_device):
                bad.append("zone bits still ZONE_DEVICE")
        if f["code"] == "PGMAP_REF_DEAD":
            g = pgmaps.get(f["pgmap"])
            if g is None or not g["percpu_count_ptr"] & PERCPU_REF_DEAD or g["done"]:
                bad.append("pgmap %s ref not dead-and-waiting: %s" % (f["pgmap"], g))
        result(not bad, name, "; ".join(bad))
    for rec in m.get("pages", []):
        if str(rec["pfn"]) in gone:
            continue
        p = pages.get(str(rec["pfn"]), {"values": {}})
        bad = ["%s=%s (guest saw %s)" % (k, p["values"].get(k), hex(v))
               for k, v in recorded_page_state(rec) if p["values"].get(k) != v]
        result(not bad, "%s/page-0x%x" % (pre, rec["pfn"]), "; ".join(bad))
    for pin in m["pins"]:
        if str(pin["pfn"]) in gone:
            continue
        p = pages.get(str(pin["pfn"]))
        want = {"_refcount": pin["head_refcount"], "1:pincount": pin["pincount"]}
        got = p and {k: p["values"].get(k) for k in want}
        result(got == want, "%s/pin-0x%x" % (pre, pin["pfn"]),
               "%s read %s, module said %s" % (tool, got, want))


def check_drgn(base, m, dump, fmt):
    req = {"dump": dump, "vmlinux": m["kernel"]["vmlinux"], "pages": page_requests(m),
           "pgmaps": [p["address"] for p in m["pgmaps"]] +
                     [f["pgmap"] for f in m["faults"] if f["code"] == "PGMAP_REF_DEAD"]}
    # the host's drgn; the sid chroot's where that one cannot open the dump
    for pre, cmd in (("%s/drgn" % base, ["/usr/bin/python3"]),
                     ("%s/drgn-sid" % base, SID_CHROOT + ["python3"])):
        r = subprocess.run(cmd + ["-c", DRGN_PROG], input=json.dumps(req),
                           capture_output=True, text=True)
        why = None
        if r.returncode and "drgn-opened" not in r.stderr:
            why = (r.stderr.strip().splitlines() or ["exit status %d" % r.returncode])[-1]
        elif not r.returncode and "open_error" in r.stdout:
            why = json.loads(r.stdout)["open_error"]
        if why is None or cmd[0] != "/usr/bin/python3":
            break
        skipped(pre, why)
    if why is not None:
        result(False, pre + "/open", why)
        return
    if r.returncode:
        result(False, pre + "/read", (r.stderr.strip().splitlines() or ["?"])[-1])
        return
    out = json.loads(r.stdout)
    result(out["release"] == m["kernel"]["release"], pre + "/open",
           "release %s (drgn %s)" % (out["release"], out["drgn"]))
    vb = num(m["kernel"]["vmemmap_base"])
    result(out["vmemmap_base"] == vb, pre + "/vmemmap_base",
           "0x%x vs manifest 0x%x" % (out["vmemmap_base"], vb))
    check_state(pre, m, "drgn " + out["drgn"], out["pages"], out["pgmaps"], out["zone_device"],
                fmt)


# ---------------------------------------------------------------- crash

MARK = 0x7067630000


def run_crash(crash, vmlinux, dump, cmds):
    """Runs crash (a command list) in batch mode, the commands on stdin (the
    chroot's crash sees no host /tmp); returns each command's output (split
    on p/x markers printed between the commands)."""
    script = []
    for i, c in enumerate(cmds):
        script += ["p/x 0x%x" % (MARK + i), c]
    script.append("p/x 0x%x" % (MARK + len(cmds)))
    def session(args, timeout):
        try:
            return subprocess.run(crash + ["-s", *args, vmlinux, dump],
                                  input="\n".join(script) + "\nquit\n",
                                  capture_output=True, text=True,
                                  timeout=timeout, errors="replace")
        except subprocess.TimeoutExpired:
            # a crash that hangs (8.0.2 on 6.12 with --no_modules can) did
            # not open the dump: its verdict, not an error of this test
            return types.SimpleNamespace(
                stdout="", returncode=124,
                stderr="crash: did not finish in %d s" % timeout)

    r = session([], 600)
    # crash 9.0.2 aborts in module_init() on 7.x (module_num_gpl_syms is gone);
    # the checks here need no module: try once more without them
    if "FUNCTION: module_init()" in r.stdout + r.stderr:
        r2 = session(["--no_modules"], 180)
        if re.search(r"\$\d+ = 0x%x" % (MARK + len(cmds)), r2.stdout):
            r = r2
    blocks, cur = {}, None
    for line in r.stdout.splitlines():
        mk = re.match(r"\$\d+ = 0x([0-9a-f]+)$", line.strip())
        if mk and int(mk.group(1), 16) - MARK in range(len(cmds) + 1):
            cur = int(mk.group(1), 16) - MARK
            blocks[cur] = []
        elif cur is not None:
            blocks[cur].append(line)
    return [blocks.get(i) for i in range(len(cmds))], r


def members(lines):
    """member -> last integer/enum value printed for it ("x = 0x..")."""
    out = {}
    for line in lines or []:
        mm = re.match(r"\s*(\w+) = (\S+?),?$", line)
        if mm:
            v = mm.group(2)
            out[mm.group(1)] = int(v, 0) if re.match(r"-?(0x[0-9a-f]+|\d+)$", v) else v
    return out


def crash_page_cmds(addr, mem):
    """crash commands for MEM of the struct page at ADDR, one per layout (a
    member this kernel lacks prints an error, no value)."""
    nxt = addr + SIZEOF_PAGE
    return {"_refcount": ["struct page._refcount -x 0x%x" % addr],
            "flags": ["struct page.flags -x 0x%x" % addr],
            "word8": ["rd 0x%x" % (addr + 8)],
            "1:order": ["struct page.compound_order -x 0x%x" % nxt,
                        "struct page.flags -x 0x%x" % nxt],
            "1:pincount": ["struct page.compound_pincount -x 0x%x" % nxt,
                           "struct folio._pincount -x 0x%x" % addr]}[mem]


def crash_page_value(mem, outs):
    """MEM from the outputs of crash_page_cmds(): the first that has it."""
    for i, lines in enumerate(outs):
        if mem == "word8":
            for line in lines or []:
                mm = re.match(r"\s*[0-9a-f]+:\s+([0-9a-f]{16})\b", line)
                if mm:
                    return int(mm.group(1), 16)
            continue
        vals = members(lines)
        if mem in ("_refcount", "1:pincount"):
            v = vals.get("counter")
        elif mem == "flags" or i == 1:      # 7.x: flags = { f = ... }
            v = vals.get("f", vals.get("flags"))
        else:
            v = vals.get("compound_order")
        if isinstance(v, int):
            return v & 0xff if mem == "1:order" and i == 1 else v
    return None


def crash_cannot_open(r):
    """crash's own error line when it did not start up."""
    lines = [ln.strip() for ln in (r.stdout + r.stderr).splitlines() if ln.strip()]
    errs = [ln for ln in lines if ln.startswith("crash:")]
    return (errs or lines or ["crash exited with status %d" % r.returncode])[0]


HOST_CRASH_CANNOT = {}


def check_crash(base, m, dump, fmt):
    vmlinux = m["kernel"]["vmlinux"]
    vb = num(m["kernel"]["vmemmap_base"])
    cmds, keys = [], []
    for pfn, mems in page_requests(m).items():
        addr = vb + int(pfn) * SIZEOF_PAGE
        for mem in mems:
            mc = crash_page_cmds(addr, mem)
            cmds += mc
            keys.append(("page", pfn, mem, len(mc)))
    addrs = [p["address"] for p in m["pgmaps"]]
    addrs += [f["pgmap"] for f in m["faults"] if f["code"] == "PGMAP_REF_DEAD"]
    for a in dict.fromkeys(addrs):
        cmds.append("struct dev_pagemap.type,vmemmap_shift,flags,nr_range,range,ref,done -x " + a)
        keys.append(("pgmap", a, None, None))
    vtops = []
    for k, o in enumerate(m["vmemmap_oracle"]):
        for i in sorted({0, len(o["frames"]) // 2, len(o["frames"]) - 1}):
            va = num(o["va_start"]) + i * 4096
            cmds.append("vtop 0x%x" % va)
            keys.append(("vtop", "oracle%d-page%d" % (k, i), va, o["frames"][i]))
    # the host's crash; the sid chroot's where that one cannot open the dump
    for pre, crash in (("%s/crash" % base, ["crash"]),
                       ("%s/crash-sid" % base, SID_CHROOT + ["crash"])):
        if crash == ["crash"] and vmlinux in HOST_CRASH_CANNOT:
            skipped(pre, HOST_CRASH_CANNOT[vmlinux])
            continue
        out, r = run_crash(crash, vmlinux, dump, cmds)
        if any(b is not None for b in out) or crash != ["crash"]:
            break
        skipped(pre, crash_cannot_open(r))
        # a kernel the host's crash cannot start on (8.0.2 on 6.12/7.x) is
        # tried once, on a qemu-taken dump, not on every dump of it
        if fmt != "kdump-panic":
            HOST_CRASH_CANNOT[vmlinux] = "%s (tried once for this kernel, on %s)" % (
                crash_cannot_open(r), os.path.basename(dump))
    if all(b is None for b in out):
        why = crash_cannot_open(r)
        # The capture kernel's makedumpfile may not know this kernel (1.7.8
        # warns "kernel version is not supported" on 7.x and filters pages
        # crash needs at start-up): that is the capture tool's limit, not the
        # corpus's, when the same crash opens qemu's dump of the same guest.
        other = [d["path"] for d in m["dumps"] if d["format"] == "elf"]
        if fmt == "kdump-panic" and other and \
                run_crash(crash, vmlinux, other[0], ["sys"])[0][0] is not None:
            skipped(pre + "/open", "%s; it opens this guest's elf dump" % why)
            return
        result(False, pre + "/open", why)
        return
    result(True, pre + "/open")
    pages, pgmaps = {}, {}
    outs = iter(out)
    for kind, a, b, c in keys:
        if kind == "page":
            got = crash_page_value(b, [next(outs) for _ in range(c)])
            p = pages.setdefault(a, {"addr": None, "values": {}})
            if got is not None:
                p["values"][b] = got
            continue
        lines = next(outs)
        vals = members(lines)
        if kind == "pgmap":
            pgmaps[a] = {"type": vals.get("type"), "vmemmap_shift": vals.get("vmemmap_shift"),
                         "flags": vals.get("flags"), "nr_range": vals.get("nr_range"),
                         "start": vals.get("start", 0), "end": vals.get("end", 0),
                         "percpu_count_ptr": vals.get("percpu_count_ptr", 0),
                         "done": vals.get("done")}
        else:
            vtops.append((a, b, c, lines))
    # crash has no DWARF enum lookup here: ZONE_DEVICE as the module printed it
    check_state(pre, m, pre.rsplit("/", 1)[-1], pages, pgmaps, None, fmt)
    for tag, va, frame, lines in vtops:
        phys = None
        for i, line in enumerate(lines or []):
            if line.split()[:2] == ["VIRTUAL", "PHYSICAL"] and i + 1 < len(lines):
                phys = int(lines[i + 1].split()[1], 16)
                break
        want = None if frame is None else num(frame) << 12
        result(phys == want, "%s/vtop-%s" % (pre, tag), "crash vtop 0x%x: %s, oracle "
               "(gva2gpa) %s" % (va, phys and hex(phys), want and hex(want)))


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testlib  # noqa: E402

VERDICTS = os.path.join(CACHE, "selftest-verdicts.json")


def tool_versions():
    """crash and drgn package versions, host and sid chroot: a new tool may
    read the same dump differently."""
    out = {}
    for root in ("/", os.path.join(CACHE, "chroot", "sid")):
        try:
            with open(os.path.join(root, "var/lib/dpkg/status")) as f:
                for stanza in f.read().split("\n\n"):
                    mm = re.match(r"Package: (crash|python3-drgn)\n", stanza)
                    v = re.search(r"^Version: (\S+)", stanza, re.M)
                    if mm and v:
                        out[root + ":" + mm.group(1)] = v.group(1)
        except OSError:
            pass
    return out


def verdict_key(job, tools):
    fn, base, m, dump, fmt = job
    st = os.stat(dump)
    with open(os.path.abspath(__file__), "rb") as f:
        me = hashlib.sha256(f.read()).hexdigest()
    blob = json.dumps([me, fn.__name__, base, m, dump, fmt, st.st_size,
                       st.st_mtime_ns, st.st_ino, tools], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def load_verdicts():
    return {} if os.environ.get("SELFTEST_NOCACHE") else testlib.load(VERDICTS)


def save_verdicts(v):
    testlib.save(VERDICTS, v)


def releases(host):
    """The kernels to check: KREL, else every one in the corpus."""
    if os.environ.get("KREL"):
        return [os.environ["KREL"]]
    have = {os.path.basename(os.path.dirname(os.path.dirname(p)))
            for p in glob.glob(os.path.join(CACHE, "corpus", "*", "*", "manifest.json"))}
    return sorted(have | {host})


def main():
    host = krel()
    if not host:
        result(False, "krel", "cannot resolve the kernel release")
        return 1
    scenarios = sorted(os.path.basename(p)[:-3]
                       for p in glob.glob(os.path.join(ROOT, "vmcores/scenarios/*.sh")))
    result(len(scenarios) >= 4, "scenarios", "only %s" % scenarios)
    only = os.environ.get("SELFTEST_SCENARIOS", "").split()
    jobs = []
    for rel in releases(host):
        for scen in scenarios:
            if only and scen not in only:
                continue
            name = "%s/%s" % (rel, scen)
            path = os.path.join(CACHE, "corpus", rel, scen, "manifest.json")
            if not os.path.exists(path):
                # the host kernel's corpus must be whole; others may lag
                if rel == host:
                    result(False, name + "/manifest", "%s missing: run make vmcores" % path)
                else:
                    skipped(name, "%s not generated (make vmcores)" % path)
                continue
            try:
                with open(path) as f:
                    m = json.load(f)
            except ValueError as e:
                # the generator is rewriting this scenario right now
                skipped(name, "manifest unreadable: %s" % e)
                continue
            check_manifest(name, m, scen)
            for d in m["dumps"]:
                if not os.path.exists(d["path"]):
                    result(False, "%s/%s/dump" % (name, d["format"]), "%s missing" % d["path"])
                    continue
                for fn in (check_drgn, check_crash):
                    jobs.append((fn, "%s/%s" % (name, d["format"]), m, d["path"],
                                 d["format"]))
    tools = tool_versions()
    old, new = load_verdicts(), {}
    keys = [verdict_key(j, tools) for j in jobs]
    todo = [(k, j) for k, j in zip(keys, jobs) if k not in old]
    print("# %d of %d dump checks replayed from %s (unchanged dump, manifest, "
          "script and tools)" % (len(jobs) - len(todo), len(jobs), VERDICTS), flush=True)
    # crash and drgn run as subprocesses: two at a time on this 2-core machine
    with ThreadPoolExecutor(max_workers=2) as pool:
        for (k, _), lines in zip(todo, pool.map(lambda kj: collected(*kj[1]), todo)):
            for line in lines:
                print(line, flush=True)
            if lines and not any(x.startswith("not ok") for x in lines):
                new[k] = lines
    for k in keys:
        if k in old:
            for line in old[k]:
                print(line, flush=True)
            new[k] = old[k]
    # a partial run (KREL, SELFTEST_SCENARIOS) keeps the others' verdicts
    save_verdicts(dict(old, **new) if only or os.environ.get("KREL") else new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
