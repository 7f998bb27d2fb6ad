"""Ground truth of one scenario: parse the guest's PGMAPCHECK-* lines, take the
vmemmap oracle with the guest stopped, and write manifest.json.

Everything here comes from inside the guest (test module, holder program,
ndctl/daxctl) or from QEMU's own page-table walk (gva2gpa); nothing from
libinspect.  The schema is documented in vmcores/README.
"""
import json
import os
import re

SCHEMA = 1
PAGE = 4096
SIZEOF_PAGE = 64        # struct page on x86_64 6.1 (checked against the kmod's page= field)
TEXT_BASE = 0xffffffff81000000
ADDR_KEY = re.compile(r"addr|page$|pgmap|ptr|flags|compound_head|word8|base$")
LINE_RE = re.compile(r"PGMAPCHECK-([A-Z_]+)((?: +[A-Za-z0-9_]+=\S*)*)")


def parse_lines(text):
    """[(kind, {field: str})] for every PGMAPCHECK-KIND k=v ... line, in order."""
    out = []
    for line in text.splitlines():
        m = LINE_RE.search(line)
        if not m:
            continue
        fields = dict(kv.split("=", 1) for kv in m.group(2).split())
        out.append((m.group(1), fields))
    return out


def hexs(v):
    return "0x%x" % v


def num(s):
    return int(s, 0)


def typed(f):
    """Counts and pfns become integers; addresses stay "0x..." strings."""
    out = {}
    for k, v in f.items():
        is_num = re.fullmatch(r"-?(0x[0-9a-fA-F]+|[0-9]+)", v)
        out[k] = num(v) if is_num and not ADDR_KEY.search(k) else v
    return out


def pgmap_entry(f):
    ranges = []
    for i in range(num(f.get("nr_range", "1"))):
        lo, hi = f["range%d" % i].split("-")
        ranges.append({"start_pfn": num(lo), "end_pfn": num(hi)})
    e = {
        "address": hexs(num(f["addr"])),
        "type": f["type"],
        "ranges": ranges,
        "vmemmap_shift": num(f["vmemmap_shift"]),
        "flags": hexs(num(f.get("flags", "0"))),
        "altmap": f.get("altmap", "0") == "1",
        "first_pfn": num(f["first_pfn"]),
        "page": hexs(num(f["page"])),
    }
    for k in ("ref_count", "ref_mode"):
        if k in f:
            e[k] = typed({k: f[k]})[k]
    if "vmemmap_dedup" in f:
        e["vmemmap_dedup"] = f["vmemmap_dedup"] == "1"
    if e["altmap"]:
        e["altmap_detail"] = {k: num(f[k]) for k in
                              ("altmap_base_pfn", "altmap_reserve", "altmap_free",
                               "altmap_alloc") if k in f}
    return e


def fault_entry(f):
    """code/pfn: the finding a checker must give.  An injection that shows
    under another name (TAIL_REFCOUNT_ALIASED: one TAIL_REFCOUNT at the
    first alias of the shared frame, as the module names it) also keeps
    what was written as injected_code/injected_pfn."""
    e = {"code": f["code"], "pfn": num(f["pfn"]), "pgmap": hexs(num(f["pgmap"]))}
    if "injected_code" in f:
        e["injected_code"] = f["injected_code"]
        e["injected_pfn"] = num(f["injected_pfn"])
    # the rest says what was written; kept verbatim for the self-test
    e["fields"] = typed({k: v for k, v in f.items()
                         if k not in ("code", "pfn", "pgmap", "injected_code", "injected_pfn")})
    return e


def collect(lines):
    """Split parsed lines into pgmaps (deduplicated by address), faults, holds, pins."""
    pgmaps, faults, holds, pins, pages, other = {}, [], [], [], [], []
    vmemmap_base = None
    for kind, f in lines:
        if kind == "PGMAP":
            e = pgmap_entry(f)
            pgmaps.setdefault(e["address"], e)
            if "vmemmap_base" in f:
                vmemmap_base = num(f["vmemmap_base"])
        elif kind == "INJECT":
            faults.append(fault_entry(f))
        elif kind == "HOLD":
            holds.append(typed(f))
        elif kind == "PIN":
            pins.append(typed(f))
        elif kind == "PAGE":
            pages.append(typed(f))
        elif kind != "READY":
            other.append({"kind": kind, "fields": f})
    # the same injection may be seen on the console and in dmesg
    uniq = []
    for fe in faults:
        if fe not in uniq:
            uniq.append(fe)
    return list(pgmaps.values()), uniq, holds, pins, pages, other, vmemmap_base


def vmemmap_span(translate, vmemmap_base, start_pfn, end_pfn):
    """Translate every 4 KiB vmemmap page holding the struct pages of
    [start_pfn, end_pfn] (inclusive).  Returns the frames (None = unmapped)."""
    va0 = (vmemmap_base + start_pfn * SIZEOF_PAGE) & ~(PAGE - 1)
    va1 = vmemmap_base + (end_pfn + 1) * SIZEOF_PAGE
    frames = []
    for va in range(va0, va1, PAGE):
        gpa = translate(va)
        frames.append(None if gpa is None else gpa >> 12)
    return va0, frames


def span_summary(va0, frames):
    mapped = [f for f in frames if f is not None]
    return {
        "va_start": hexs(va0),
        "vmemmap_pages": len(frames),
        "distinct_frames": len(set(mapped)),
        "unmapped": len(frames) - len(mapped),
    }


def pgmap_oracle(translate, vmemmap_base, pg):
    out = []
    shift = pg["vmemmap_shift"]
    for i, r in enumerate(pg["ranges"]):
        va0, frames = vmemmap_span(translate, vmemmap_base, r["start_pfn"], r["end_pfn"])
        e = {"pgmap": pg["address"], "range": i,
             "start_pfn": r["start_pfn"], "end_pfn": r["end_pfn"]}
        e.update(span_summary(va0, frames))
        e["frames"] = [None if f is None else hexs(f) for f in frames]
        # struct pages memmap_init_zone_device() initialised (no altmap/info-block pfns)
        first = max(r["start_pfn"], pg["first_pfn"])
        if first <= r["end_pfn"]:
            skip = ((vmemmap_base + first * SIZEOF_PAGE) & ~(PAGE - 1)) - va0
            init = span_summary(va0 + skip, frames[skip // PAGE:])
            init.update(start_pfn=first, end_pfn=r["end_pfn"])
            e["initialised"] = init
        per = (SIZEOF_PAGE << shift) // PAGE
        if shift and per >= 1 and first <= r["end_pfn"]:
            comps = []
            for head in range(first, r["end_pfn"] + 1, 1 << shift):
                k = ((vmemmap_base + head * SIZEOF_PAGE) - va0) // PAGE
                fr = [f for f in frames[k:k + per] if f is not None]
                comps.append({"head_pfn": head, "vmemmap_pages": per,
                              "distinct_frames": len(set(fr))})
            e["compounds"] = comps
        out.append(e)
    return out


def hugetlb_oracle(translate, vmemmap_base, holds):
    out = []
    for h in holds:
        if h.get("kind") != "hugetlb":
            continue
        n = h.get("npages", 512)
        va0, frames = vmemmap_span(translate, vmemmap_base, h["pfn"], h["pfn"] + n - 1)
        e = {"pfn": h["pfn"], "npages": n}
        e.update(span_summary(va0, frames))
        e["frames"] = [None if f is None else hexs(f) for f in frames]
        out.append(e)
    return out


def read_text(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def guest_lines(job):
    """All PGMAPCHECK-* lines the guest left in the job directory."""
    text = ""
    for name in sorted(os.listdir(job)):
        if name == "kmsg.log" or name.startswith("hold-"):
            text += read_text(os.path.join(job, name))
    return parse_lines(text)


def build(job, translate, scenario, krel, vmlinux, append, dumps, expect):
    pgmaps, faults, holds, pins, pages, other, vb = collect(guest_lines(job))
    if vb is None and (pgmaps or holds):
        raise ValueError("no vmemmap_base in the test module's report")
    for pg in pgmaps:
        want = vb + pg["first_pfn"] * SIZEOF_PAGE
        rng0 = pg["ranges"][0]["start_pfn"] if pg["ranges"] else pg["first_pfn"]
        if num(pg["page"]) not in (want, vb + rng0 * SIZEOF_PAGE):
            raise ValueError("struct page size is not %d (pgmap %s page %s)" %
                             (SIZEOF_PAGE, pg["address"], pg["page"]))
    text = read_text(os.path.join(job, "kernel-text.txt")).strip()
    kernel = {"release": krel, "vmlinux": vmlinux, "kaslr": "nokaslr" not in append.split(),
              "cmdline": append}
    if text:
        kernel["text"] = hexs(num(text))
        kernel["kaslr_offset"] = hexs(num(text) - TEXT_BASE)
    if vb is not None:
        kernel["vmemmap_base"] = hexs(vb)
    m = {
        "schema": SCHEMA,
        "scenario": scenario,
        "kernel": kernel,
        "dumps": dumps,
        "pgmaps": pgmaps,
        "faults": faults,
        "holds": holds,
        "pins": pins,
        "pages": pages,
        "vmemmap_oracle": [e for pg in pgmaps for e in pgmap_oracle(translate, vb, pg)],
        "hugetlb_oracle": hugetlb_oracle(translate, vb, holds) if vb is not None else [],
        "guest": {
            "ndctl": read_json(os.path.join(job, "ndctl.json")),
            "daxctl": read_json(os.path.join(job, "daxctl.json")),
            "regions": read_text(os.path.join(job, "regions.txt")).split("\n")[:-1],
            "extra": other,
            "state": read_text(os.path.join(job, "state.txt")).split("\n")[:-1],
        },
    }
    if expect == "clean":
        m["expect"] = {"clean": True, "violations": 0}
    else:
        codes = {}
        for f in faults:
            codes[f["code"]] = codes.get(f["code"], 0) + 1
        m["expect"] = {"clean": False, "codes": codes}
    return m
