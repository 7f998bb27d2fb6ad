#!/usr/bin/python3
"""Integration: pgmapcheck --json on every dump of every corpus manifest.

For each $PGMAPCHECK_CACHE/corpus/*/*/manifest.json and each dump it names:
  - the pgmaps equal the manifest's (address, type, ranges, vmemmap_shift,
    altmap, first initialised pfn);
  - every injected fault is reported with its code and pfn, and no other
    error is reported; clean scenarios have zero errors and zero warnings;
  - the vmemmap frame counts equal the manifest's gva2gpa oracle (whole
    range and initialised part), hugetlb folios too; so do the saved bytes
    of each vmemmap range;
  - struct pages are all accounted (checked + aliased + not captured);
    full ELF dumps have nothing not captured, and what is not captured is
    reported as MEMMAP_NOT_CAPTURED ranges with exact counts;
  - the exit status follows --fail-on error;
  - the holder walk finds the guest's holder process mapping exactly the
    manifest's device holds (vaddr -> pfn), and no HOLDER_* finding;
  - the clean device-dax capture of each kernel, rewritten by makedumpfile
    uncompressed and in every compression it writes, gives one report.
The same runs are repeated with the ASan+UBSan build (build-san/), which
must print no sanitizer report and produce the same findings.

PGMAPCHECK_BUILD=build-sid runs the build of libinspect/build-sid/ (and
build-sid-san/) instead, PGMAPCHECK_TOOLSET=sid starts the test names with
"sid/": tests/sid.t runs this program so in the sid chroot.
"""
import glob
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import ROOT, CACHE, BUILD, report, skip  # noqa: E402

LI = os.path.join(ROOT, "libinspect")


def result(ok, name, why=""):
    report(name, ok, why)


def run(binary, vmlinux, dump, extra=()):
    cmd = [binary, "--json", "-k", vmlinux] + list(extra) + [dump]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        doc = None
    return p.returncode, doc, p.stderr.decode(errors="replace")


def pgmap_key(p):
    return (p["address"], p["type"],
            tuple((r["start_pfn"], r["end_pfn"]) for r in p["ranges"]),
            p["vmemmap_shift"], bool(p["altmap"]))


def fault_found(f, findings):
    code = f["code"]
    if code == "TAIL_REFCOUNT_ALIASED":
        # one finding about the shared frame, named by its first alias
        head = int(f["fields"].get("head_pfn", "0"), 0)
        return any(x["code"] == "TAIL_REFCOUNT" and x.get("aliases", 0) > 1 and
                   head < x["pfn"] < head + (1 << 18) and
                   (x["pfn"] - f["pfn"]) % 64 == 0 for x in findings)
    return any(x["code"] == code and x["pfn"] == f["pfn"] for x in findings)


def error_explained(x, faults):
    for f in faults:
        if fault_found(f, [x]):
            return True
    return False


def pgmap_of(m, pfn):
    for p in m["pgmaps"]:
        if any(r["start_pfn"] <= pfn <= r["end_pfn"] for r in p["ranges"]):
            return p
    return None


def mapped_heads(m):
    """Head pfns (compound heads, order-0 pages) of the device holds."""
    heads = set()
    for h in m.get("holds", []):
        if h["kind"] not in DEVICE_HOLDS:
            continue
        for pfn in range(h["pfn"], h["pfn"] + h["npages"]):
            p = pgmap_of(m, pfn)
            if p is None:
                continue
            start = next(r["start_pfn"] for r in p["ranges"] if r["start_pfn"] <= pfn <= r["end_pfn"])
            heads.add(pfn - (pfn - start) % (1 << p["vmemmap_shift"]))
    return heads


def fake_heads(o):
    """Tail vmemmap pages of an HVO folio that map its head's frame: there
    every tail struct page reads as a head.  7.x maps them to a frame of
    tails shared by all folios instead: none."""
    return sum(1 for f in o["frames"][1:] if f == o["frames"][0])


def check_dump(name, m, dump, doc, rc):
    pgmaps = {pgmap_key(p) for p in m["pgmaps"]}
    got = {pgmap_key(p) for p in doc["pgmaps"]}
    result(pgmaps == got, name + "-pgmaps", "manifest %s, report %s" % (sorted(pgmaps), sorted(got)))
    first = {p["address"]: p["first_pfn"] for p in m["pgmaps"]}
    gfirst = {p["address"]: p["ranges"][0]["first_pfn"] for p in doc["pgmaps"] if p["ranges"]}
    result(first == gfirst, name + "-first-pfn", "manifest %s, report %s" % (first, gfirst))

    findings = doc["findings"]
    errors = [x for x in findings if x["severity"] == "error"]
    faults = m.get("faults", [])
    missing = [f for f in faults if not fault_found(f, findings)]
    result(not missing, name + "-faults-reported",
           "missing %s" % [(f["code"], hex(f["pfn"])) for f in missing])
    extra = [x for x in errors if not error_explained(x, faults)]
    result(not extra, name + "-no-other-errors",
           "unexpected %s" % [(x["code"], hex(x["pfn"]), x["detail"]) for x in extra[:5]])
    result(doc["summary"]["errors"] == len(errors) and not doc["summary"]["findings_truncated"],
           name + "-error-count-exact", "summary %s vs %d" % (doc["summary"]["errors"], len(errors)))
    if m.get("expect", {}).get("clean"):
        warns = [x for x in findings if x["severity"] == "warning"]
        result(not errors and not warns, name + "-clean",
               "%s" % [(x["code"], hex(x["pfn"])) for x in (errors + warns)[:5]])
    want_rc = 1 if errors else 0
    result(rc == want_rc, name + "-exit-status", "rc %d, want %d" % (rc, want_rc))

    # the idle-refcount rule against the test module's own idea of idle,
    # and, on clean dumps, referenced pages = the compounds the holder pinned,
    # and those it maps where the kernel counts a mapping as a reference (7.x:
    # a mapped, unpinned page the guest recorded sits above idle)
    types = {p["address"]: p["type"] for p in doc["pgmaps"]}
    idle_bad = ["%s: idle %s, kmod says %s" % (f["code"], doc["kernel"]["idle_refcount"].get(types.get(f["pgmap"])),
                                               f["fields"]["idle"])
                for f in faults if "idle" in f.get("fields", {}) and
                doc["kernel"]["idle_refcount"].get(types.get(f["pgmap"])) != int(f["fields"]["idle"])]
    if m.get("expect", {}).get("clean"):
        pinned = {pin["pfn"] for pin in m.get("pins", [])}
        mapped = mapped_heads(m)
        idle = doc["kernel"]["idle_refcount"]
        counted = any(r["pfn"] in mapped and r["pfn"] not in pinned and
                      r["refcount"] > idle.get(types.get((pgmap_of(m, r["pfn"]) or {}).get("address")),
                                              r["refcount"])
                      for r in m.get("pages", []))
        want = len(pinned | mapped) if counted else len(pinned)
        referenced = sum(p["pages"]["referenced"] for p in doc["pgmaps"])
        if doc["summary"]["pages_not_captured"]:
            # a filtered capture without the memmap (--map=dev) has no
            # refcounts to count: said (MEMMAP_NOT_CAPTURED), not judged
            skip(name + "-referenced-count", "%d struct pages not captured"
                 % doc["summary"]["pages_not_captured"])
        elif referenced != want:
            idle_bad.append("%d pages above idle, %d pinned compounds, %d mapped (mappings %s)" % (
                referenced, len(pinned), len(mapped), "counted" if counted else "not counted"))
    result(not idle_bad, name + "-idle-refcount-rule", "; ".join(idle_bad))

    rows = {(r["pgmap"], r["range"]): r for r in doc["vmemmap"]}
    bad = []
    for o in m.get("vmemmap_oracle", []):
        r = rows.get((o["pgmap"], o["range"]))
        if r is None:
            bad.append("no row for %s/%d" % (o["pgmap"], o["range"]))
            continue
        if (r["vmemmap_pages"], r["frames"], r["unmapped"]) != \
           (o["vmemmap_pages"], o["distinct_frames"], o["unmapped"]):
            bad.append("%s: pages/frames/unmapped %s vs oracle %s" % (
                o["pgmap"], (r["vmemmap_pages"], r["frames"], r["unmapped"]),
                (o["vmemmap_pages"], o["distinct_frames"], o["unmapped"])))
        want_saved = max(0, o["vmemmap_pages"] - o["distinct_frames"] - o["unmapped"]) * 4096
        if r["saved_bytes"] != want_saved:
            bad.append("%s: saved_bytes %d vs oracle %d" % (o["pgmap"], r["saved_bytes"], want_saved))
        init = o.get("initialised")
        if init and (r["initialised"]["vmemmap_pages"], r["initialised"]["frames"]) != \
           (init["vmemmap_pages"], init["distinct_frames"]):
            bad.append("%s initialised: %s vs oracle %s" % (
                o["pgmap"], r["initialised"], init))
        if r["shared_frames_checked"] != r["compounds"] - r["compounds_unexpected"]:
            bad.append("%s: %d of %d reused frames had their refcount checked" % (
                o["pgmap"], r["shared_frames_checked"], r["compounds"]))
        comps = o.get("compounds")
        if comps:
            off = sum(1 for c in comps if c["distinct_frames"] != 2)
            if r["compounds"] and r["compounds_unexpected"] != off:
                bad.append("%s: %d compounds off pattern vs oracle %d" % (
                    o["pgmap"], r["compounds_unexpected"], off))
    result(not bad and m.get("vmemmap_oracle") is not None, name + "-vmemmap-oracle", "; ".join(bad[:4]))

    folios = {f["pfn"]: f for f in doc["hugetlb"]["folios"]}
    hbad = []
    for o in m.get("hugetlb_oracle", []):
        f = folios.get(o["pfn"])
        if f is None:
            hbad.append("folio %#x not found" % o["pfn"])
        elif (f["vmemmap_pages"], f["frames"]) != (o["vmemmap_pages"], o["distinct_frames"]):
            hbad.append("folio %#x: %s vs oracle %s" % (
                o["pfn"], (f["vmemmap_pages"], f["frames"]),
                (o["vmemmap_pages"], o["distinct_frames"])))
        elif f["optimized"] and f["fake_heads_resolved"] != fake_heads(o):
            hbad.append("folio %#x: %d fake heads resolved, oracle %d" % (
                o["pfn"], f["fake_heads_resolved"], fake_heads(o)))
    if m.get("hugetlb_oracle"):
        result(not hbad, name + "-hugetlb-oracle", "; ".join(hbad[:4]))

    acct = []
    nc = sum(x.get("count", 0) for x in findings if x["code"] == "MEMMAP_NOT_CAPTURED")
    for p in doc["pgmaps"]:
        n = sum(r["end_pfn"] + 1 - r["first_pfn"] for r in p["ranges"])
        pg = p["pages"]
        if pg["checked"] + pg["aliased"] + pg["not_captured"] != n:
            acct.append("%s: %s != %d" % (p["address"], pg, n))
    total_nc = doc["summary"]["pages_not_captured"]
    if nc != total_nc:
        acct.append("MEMMAP_NOT_CAPTURED counts %d != %d" % (nc, total_nc))
    if dump["format"] == "elf" and total_nc:
        acct.append("full ELF dump with %d struct pages not captured" % total_nc)
    result(not acct, name + "-memmap-accounted", "; ".join(acct))

    # A capture that holds System RAM only (makedumpfile on /proc/vmcore) lacks
    # the struct pages an altmap keeps on the device: each such pgmap must come
    # back as one MEMMAP_NOT_CAPTURED run covering exactly its initialised pfns.
    if "absent" in (dump.get("contents") or ""):
        for p in doc["pgmaps"]:
            if not p.get("altmap"):
                continue
            want = [(r["first_pfn"], r["end_pfn"] + 1 - r["first_pfn"]) for r in p["ranges"]]
            got = [(x["pfn"], x.get("count")) for x in findings
                   if x["code"] == "MEMMAP_NOT_CAPTURED" and x.get("pgmap") == p["address"]]
            result(got == want and p["pages"]["checked"] == 0,
                   name + "-not-captured-" + p["address"],
                   "MEMMAP_NOT_CAPTURED %s, want %s (pages %s)" % (got, want, p["pages"]))


def check_partial(name, m, dump, doc, rc):
    """A capture that lacks part of pgmap_array (7.x, makedumpfile 1.7.8 -d 31
    filters out live slab pages): what is missing is said, never judged."""
    findings = doc["findings"]
    nc = [x for x in findings if x["code"] == "STRUCT_NOT_CAPTURED"]
    result(nc and "kdump" in dump["format"], name + "-registry-not-captured",
           "registry incomplete on a %s dump, STRUCT_NOT_CAPTURED %d" % (dump["format"], len(nc)))
    bad = [x for x in findings if x["severity"] != "info"]
    result(not bad and rc == 0, name + "-partial-no-verdict",
           "rc %d, %s" % (rc, [(x["code"], hex(x["pfn"])) for x in bad[:5]]))
    pgmaps = {pgmap_key(p) for p in m["pgmaps"]}
    got = {pgmap_key(p) for p in doc["pgmaps"]}
    result(got <= pgmaps, name + "-pgmaps-subset", "report %s not in manifest %s" % (
        sorted(got - pgmaps), sorted(pgmaps)))
    skip(name + "-oracles", "the dump lacks part of pgmap_array (STRUCT_NOT_CAPTURED)")


DEVICE_HOLDS = ("devdax", "file")     # holder kinds that map device memory


def check_holders(name, m, dump, doc):
    """The guest's holder process maps exactly the manifest's device holds."""
    holders = doc.get("holders")
    hw = doc.get("holder_walk", {})
    if hw.get("stopped") == "unreadable" and dump["format"] == "kdump-panic":
        # makedumpfile -d 31 on 7.x drops live slab pages (tasks, mms) at
        # random: the walk stops and says so; no holder verdict without them
        herr = [x for x in doc["findings"] if x["code"].startswith("HOLDER_")]
        result(not herr, name + "-holders-unreadable-no-verdict",
               "%s" % [(x["code"], hex(x["pfn"])) for x in herr[:3]])
        skip(name + "-holders-match-manifest", "the capture lacks memory the walk "
             "needs (holder_walk %s)" % hw)
        return
    if holders is None or not hw.get("walked") or hw.get("stopped"):
        result(False, name + "-holders-walked", "holder_walk %s" % hw)
        return
    result(True, name + "-holders-walked")
    holds = [h for h in m.get("holds", []) if h["kind"] in DEVICE_HOLDS]
    pgmaps = {p["address"] for p in m["pgmaps"]}
    bad = []
    for hold in holds:
        va = int(hold["vaddr"], 16)
        cover = [h for h in holders
                 if int(h["vaddr"], 16) <= va and
                 va + hold["npages"] * 4096 <= int(h["vaddr"], 16) + h["nr_pages"] * 4096]
        if len(cover) != 1:
            bad.append("hold %s: %d holder runs cover it" % (hold["vaddr"], len(cover)))
            continue
        h = cover[0]
        pfn = h["pfn"] + (va - int(h["vaddr"], 16)) // 4096
        if pfn != hold["pfn"] or h["comm"] != "holder" or h["pid"] <= 1 or \
           h["kind"] != "present" or h["pgmap"] not in pgmaps:
            bad.append("hold %s pfn %#x: holder %s" % (hold["vaddr"], hold["pfn"], h))
    # one process, nothing else maps device memory, RAM holds are not listed
    if len({(h["pid"], h["mm"]) for h in holders}) > 1:
        bad.append("holders in several processes: %s" % holders[:4])
    if sum(h["nr_pages"] for h in holders) != sum(h["npages"] for h in holds):
        bad.append("holders map %d pages, manifest holds %d" % (
            sum(h["nr_pages"] for h in holders), sum(h["npages"] for h in holds)))
    result(bool(holds) and not bad, name + "-holders-match-manifest", "; ".join(bad[:4]) or "no device holds")
    herr = [x for x in doc["findings"] if x["code"].startswith("HOLDER_")]
    result(not herr, name + "-no-holder-findings",
           "%s" % [(x["code"], hex(x["pfn"]), x["detail"]) for x in herr[:3]])


def san_binary():
    p = subprocess.run(["make", "-s", "-C", LI, "SANITIZE=1", "BUILD=" + BUILD],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    san = os.path.join(LI, BUILD + "-san", "pgmapcheck")
    ok = p.returncode == 0 and os.access(san, os.X_OK)
    result(ok, "sanitizer-build", p.stdout.decode(errors="replace")[-500:])
    return san if ok else None


# kdump page compressions (makedumpfile -c, -l, -p, -z; diskdump_mod.h)
COMPRESSIONS = (("zlib", "-c", 0x1), ("lzo", "-l", 0x2), ("snappy", "-p", 0x4),
                ("zstd", "-z", 0x20))


def kdump_flags(path, n=4096):
    """The union of the compression flags of a kdump file's first n pages."""
    import struct
    with open(path, "rb") as f:
        h = f.read(464)
        bs, sub, bmb = struct.unpack_from("<iiI", h, 428)
        f.seek((1 + sub + bmb) * bs)
        flags = 0
        for _ in range(n):
            d = f.read(24)
            if len(d) < 24:
                break
            flags |= struct.unpack_from("<I", d, 12)[0]
    return flags


def check_compressions(cli, m, dump, vmlinux):
    """The same capture rewritten by makedumpfile (-d 0) without compression
    and in each compression it writes gives the same report: stored and
    zlib pages are read by libinspect (src/diskdump.c), the others by
    libkdumpfile, opened only for them.  (The rewrites, not the capture,
    are compared: makedumpfile 1.7.2 drops pages of a 6.12 capture.)"""
    import shutil
    import tempfile
    name = "%s-%s-kdump-compression" % (m["kernel"]["release"], m["scenario"])
    mdf = shutil.which("makedumpfile")
    if not mdf:
        skip(name, "no makedumpfile")
        return
    ref = None
    with tempfile.TemporaryDirectory(dir=CACHE) as d:
        for label, opt, flag in (("none", None, 0),) + COMPRESSIONS:
            out = os.path.join(d, label)
            p = subprocess.run([mdf] + ([opt] if opt else []) + ["-d", "0", dump, out],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
            if opt and (p.returncode or not (kdump_flags(out) & flag)):
                skip("%s-%s" % (name, label), "this makedumpfile does not write %s" % label)
                continue
            if p.returncode:
                result(False, name + "-none", p.stdout.decode(errors="replace")[-300:])
                return
            rc, doc, err = run(cli, vmlinux, out)
            if doc is not None:
                doc.pop("target", None)
            if ref is None:
                ref = doc
                result(doc is not None and kdump_flags(out) == 0, name + "-none",
                       "rc %d, %s" % (rc, err[-300:]))
                if doc is None:
                    return
                continue
            result(doc == ref, "%s-%s" % (name, label),
                   "rc %d, %s" % (rc, err[-300:] if doc is None else
                                  "the report differs from the uncompressed file's"))


def main():
    cli = os.path.join(LI, BUILD, "pgmapcheck")
    result(os.access(cli, os.X_OK), "cli-built", "%s missing (make -C libinspect)" % cli)
    manifests = sorted(glob.glob(os.path.join(CACHE, "corpus", "*", "*", "manifest.json")))
    result(bool(manifests), "corpus-present", "no manifest under %s/corpus (make vmcores)" % CACHE)
    if not manifests or not os.access(cli, os.X_OK):
        return
    san = san_binary()
    for mf in manifests:
        try:
            m = json.load(open(mf))
        except (OSError, ValueError) as e:
            # the generator is rewriting this scenario right now
            skip(mf, "manifest unreadable: %s" % e)
            continue
        rel = m["kernel"]["release"]
        vmlinux = m["kernel"].get("vmlinux") or os.path.join(CACHE, "kernels", rel, "vmlinux")
        for dump in m["dumps"]:
            name = "%s-%s-%s" % (rel, m["scenario"], dump["format"])
            if not os.path.exists(dump["path"]):
                result(False, name + "-dump-exists", dump["path"])
                continue
            rc, doc, err = run(cli, vmlinux, dump["path"])
            result(doc is not None and doc.get("schema_version") == 1, name + "-json",
                   "rc %d, stderr %s" % (rc, err[-300:]))
            if doc is None:
                continue
            if not doc.get("registry", {}).get("complete", True):
                check_partial(name, m, dump, doc, rc)
                continue
            check_dump(name, m, dump, doc, rc)
            check_holders(name, m, dump, doc)
            # one capture per kernel: the clean device-dax one
            if m["scenario"] == "clean-devdax" and dump["path"].endswith("-panic"):
                check_compressions(cli, m, dump["path"], vmlinux)
            if dump["format"] == "elf":
                nrc, ndoc, nerr = run(cli, vmlinux, dump["path"], ["--no-holders"])
                result(ndoc is not None and ndoc["holders"] == [] and
                       not ndoc["holder_walk"]["walked"] and
                       ndoc["findings"] == [x for x in doc["findings"]
                                            if not x["code"].startswith("HOLDER_")],
                       name + "-no-holders", "rc %d, stderr %s" % (nrc, nerr[-300:]))
            if san:
                src, sdoc, serr = run(san, vmlinux, dump["path"])
                clean = "runtime error" not in serr and "Sanitizer" not in serr
                same = sdoc is not None and sdoc["findings"] == doc["findings"] and \
                    sdoc["vmemmap"] == doc["vmemmap"] and sdoc["holders"] == doc["holders"]
                result(clean and same and src == rc, name + "-sanitizer",
                       "rc %d, same %s, stderr %s" % (src, same, serr[-400:]))


main()
sys.exit(0)
