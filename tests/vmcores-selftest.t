#!/usr/bin/python3
"""Self-test of the dump corpus (vmcores/), independent of libinspect.

Every dump of every scenario is opened with drgn 0.0.22 and with crash 8.0.2;
both must show, at each injected pfn, the struct page state the test module
says it wrote, and every pgmap of the manifest with its type, pfn range,
vmemmap_shift and altmap flag.  A few vmemmap oracle frames are checked
against crash's own page-table walk (vtop).  The corpus must already exist
(make vmcores; `make test` runs it first).
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.environ.get("PGMAPCHECK_CACHE") or os.path.expanduser("~/.cache/pgmapcheck")
PGMAP_ALTMAP_VALID = 1
PERCPU_REF_DEAD = 2
SIZEOF_PAGE = 64

local = threading.local()


def result(ok, name, why=""):
    """One assertion line; collected per job when dumps are checked in parallel."""
    line = "ok %s" % name if ok else "not ok %s - %s" % (name, why)
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


def num(v):
    return v if isinstance(v, int) else int(v, 0)


def expected_page_state(f):
    """(member, value) pairs the injected pfn's struct page must show, from
    the fields of the module's PGMAPCHECK-INJECT line.  Members are read at
    the page (offset 0) or at page[1] ("1:member")."""
    x = f["fields"]
    code = f["code"]
    want = []
    if code in ("TAIL_REFCOUNT", "REFCOUNT_BELOW_IDLE", "PGMAP_REF_DEAD"):
        want.append(("_refcount", num(x["refcount"])))
    if code == "TAIL_HEAD_MISMATCH":
        want.append(("compound_head", num(x["compound_head"])))
    if code == "HEAD_ORDER_MISMATCH":
        want.append(("1:compound_order", num(x["order"])))
    if code in ("PGMAP_DANGLING", "PGMAP_RANGE"):
        want += [("pgmap", num(x["pgmap_ptr"])), ("_refcount", num(x["refcount"]))]
    if code == "ZONE_MISMATCH":
        want.append(("flags", num(x["flags"])))
    if code == "PINCOUNT_EXCEEDS_REFCOUNT":
        want += [("1:compound_pincount", num(x["pincount"])), ("_refcount", num(x["refcount"]))]
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
    pre = "%s/manifest" % scen
    result(m.get("schema") == 1 and m.get("scenario") == scen, pre + "/schema",
           "schema %r scenario %r" % (m.get("schema"), m.get("scenario")))
    vmlinux = m["kernel"]["vmlinux"]
    result(os.path.exists(vmlinux), pre + "/vmlinux", vmlinux + " missing")
    formats = [d["format"] for d in m["dumps"]]
    result("elf" in formats, pre + "/elf-dump", "formats %s" % formats)
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
        h = m["hugetlb_oracle"]
        result(len(h) == 16 and all(e["vmemmap_pages"] == 8 and e["distinct_frames"] == 1
                                    for e in h), pre + "/hugetlb-hvo",
               "hugetlb oracle %s" % [(e["vmemmap_pages"], e["distinct_frames"]) for e in h])
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
prog = drgn.Program()
prog.set_core_dump(req["dump"])
prog.load_debug_info([req["vmlinux"]])
out = {"release": prog["init_uts_ns"].name.release.string_().decode(),
       "vmemmap_base": int(prog["vmemmap_base"]),
       "zone_device": prog.constant("ZONE_DEVICE").value_(),
       "pages": {}, "pgmaps": {}}
def member(page, m):
    if m.startswith("1:"):
        page, m = page + 1, m[2:]
    v = getattr(page, m)
    return v.counter.value_() if m in ("_refcount", "compound_pincount") else v.value_()
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
        req.setdefault(str(p["pfn"]), set()).update(["_refcount", "1:compound_pincount"])
    for p in m.get("pages", []):
        req.setdefault(str(p["pfn"]), set()).update(k for k, _ in recorded_page_state(p))
    return {k: sorted(v) for k, v in req.items()}


def recorded_page_state(p):
    """(member, value) pairs of a PGMAPCHECK-PAGE record (the guest's view)."""
    want = [("_refcount", p["refcount"]), ("flags", num(p["flags"])),
            ("compound_head", num(p["word8"]))]
    if p["head"]:
        want += [("1:compound_order", p["order"]), ("1:compound_pincount", p["pincount"])]
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
        want = {"_refcount": pin["head_refcount"], "1:compound_pincount": pin["pincount"]}
        got = p and {k: p["values"].get(k) for k in want}
        result(got == want, "%s/pin-0x%x" % (pre, pin["pfn"]),
               "%s read %s, module said %s" % (tool, got, want))


def check_drgn(pre, m, dump, fmt):
    req = {"dump": dump, "vmlinux": m["kernel"]["vmlinux"], "pages": page_requests(m),
           "pgmaps": [p["address"] for p in m["pgmaps"]] +
                     [f["pgmap"] for f in m["faults"] if f["code"] == "PGMAP_REF_DEAD"]}
    r = subprocess.run(["/usr/bin/python3", "-c", DRGN_PROG], input=json.dumps(req),
                       capture_output=True, text=True)
    if r.returncode:
        result(False, pre + "/open", (r.stderr.strip().splitlines() or ["?"])[-1])
        return
    out = json.loads(r.stdout)
    result(out["release"] == m["kernel"]["release"], pre + "/open",
           "release %s" % out["release"])
    vb = num(m["kernel"]["vmemmap_base"])
    result(out["vmemmap_base"] == vb, pre + "/vmemmap_base",
           "0x%x vs manifest 0x%x" % (out["vmemmap_base"], vb))
    check_state(pre, m, "drgn", out["pages"], out["pgmaps"], out["zone_device"], fmt)


# ---------------------------------------------------------------- crash

MARK = 0x7067630000


def run_crash(vmlinux, dump, cmds):
    """Runs crash in batch mode; returns each command's output (split on
    p/x markers printed between the commands)."""
    script = []
    for i, c in enumerate(cmds):
        script += ["p/x 0x%x" % (MARK + i), c]
    script.append("p/x 0x%x" % (MARK + len(cmds)))
    with tempfile.NamedTemporaryFile("w", prefix="pgmc-selftest-", suffix=".crash",
                                     delete=False) as f:
        f.write("\n".join(script) + "\nquit\n")
        path = f.name
    try:
        r = subprocess.run(["crash", "-s", vmlinux, dump, "-i", path], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=600)
    finally:
        os.unlink(path)
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


def check_crash(pre, m, dump, fmt):
    vmlinux = m["kernel"]["vmlinux"]
    vb = num(m["kernel"]["vmemmap_base"])
    cmds, keys = [], []
    for pfn, mems in page_requests(m).items():
        addr = vb + int(pfn) * SIZEOF_PAGE
        for mem in mems:
            off, name = (SIZEOF_PAGE, mem[2:]) if mem.startswith("1:") else (0, mem)
            cmds.append("struct page.%s -x 0x%x" % (name, addr + off))
            keys.append(("page", pfn, mem, name))
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
    out, r = run_crash(vmlinux, dump, cmds)
    if all(b is None for b in out):
        result(False, pre + "/open", "no output: %s" % (r.stderr.strip()[-300:] or r.stdout[-300:]))
        return
    result(True, pre + "/open")
    pages, pgmaps = {}, {}
    for (kind, a, b, c), lines in zip(keys, out):
        vals = members(lines)
        if kind == "page":
            p = pages.setdefault(a, {"addr": None, "values": {}})
            v = vals.get("counter" if c in ("_refcount", "compound_pincount") else c)
            if v is not None:
                p["values"][b] = v
        elif kind == "pgmap":
            pgmaps[a] = {"type": vals.get("type"), "vmemmap_shift": vals.get("vmemmap_shift"),
                         "flags": vals.get("flags"), "nr_range": vals.get("nr_range"),
                         "start": vals.get("start", 0), "end": vals.get("end", 0),
                         "percpu_count_ptr": vals.get("percpu_count_ptr", 0),
                         "done": vals.get("done")}
        else:
            vtops.append((a, b, c, lines))
    # crash has no DWARF enum lookup here: ZONE_DEVICE as the module printed it
    check_state(pre, m, "crash", pages, pgmaps, None, fmt)
    for tag, va, frame, lines in vtops:
        phys = None
        for i, line in enumerate(lines or []):
            if line.split()[:2] == ["VIRTUAL", "PHYSICAL"] and i + 1 < len(lines):
                phys = int(lines[i + 1].split()[1], 16)
                break
        want = None if frame is None else num(frame) << 12
        result(phys == want, "%s/vtop-%s" % (pre, tag), "crash vtop 0x%x: %s, oracle "
               "(gva2gpa) %s" % (va, phys and hex(phys), want and hex(want)))


def main():
    rel = krel()
    if not rel:
        result(False, "krel", "cannot resolve the kernel release")
        return 1
    scenarios = sorted(os.path.basename(p)[:-3]
                       for p in glob.glob(os.path.join(ROOT, "vmcores/scenarios/*.sh")))
    result(len(scenarios) >= 4, "scenarios", "only %s" % scenarios)
    only = os.environ.get("SELFTEST_SCENARIOS", "").split()
    jobs = []
    for scen in scenarios:
        if only and scen not in only:
            continue
        path = os.path.join(CACHE, "corpus", rel, scen, "manifest.json")
        if not os.path.exists(path):
            result(False, "%s/manifest" % scen, "%s missing: run make vmcores" % path)
            continue
        with open(path) as f:
            m = json.load(f)
        check_manifest(scen, m, scen)
        for d in m["dumps"]:
            if not os.path.exists(d["path"]):
                result(False, "%s/%s/dump" % (scen, d["format"]), "%s missing" % d["path"])
                continue
            for tool, fn in (("drgn", check_drgn), ("crash", check_crash)):
                jobs.append((fn, "%s/%s/%s" % (scen, d["format"], tool), m, d["path"],
                             d["format"]))
    # crash and drgn run as subprocesses: two at a time on this 2-core machine
    with ThreadPoolExecutor(max_workers=2) as pool:
        for lines in pool.map(lambda j: collected(*j), jobs):
            for line in lines:
                print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
