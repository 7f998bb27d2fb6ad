#!/usr/bin/python3
"""holders: who holds device memory — walk every user page table and match
its device entries against the registered pgmaps (drgn 0.0.22, x86_64 4-level
paging, 6.1 swap-entry layout).

  holders.py [-k VMLINUX] [VMCORE] [--json]     (no VMCORE: the live kernel)

A device-private page is mapped in its owner's page table as a non-present
"device" swap entry whose offset is the pfn; device-dax/fsdax/coherent pages
as present PTEs.  Findings (prototype of a libinspect check, see README):
  HOLDER_ORPHANED (error)   a special swap entry names a pfn without a
      memmap and outside every pgmap: the pgmap was torn down under a holder
      (bug-pgmap-ref).
  PRIVATE_PAGE_LEAKED (warning) a device-private/coherent page is allocated
      (refcount > 0) but no page table names it.
Exit status: 1 if an error was found, else 0.
"""
import argparse
import json
import os
import struct
import sys

import drgn
from drgn.helpers.linux.pid import for_each_task

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "drgn-scripts"))
from pgmapcheck_drgn import dev_pagemap_info  # noqa: E402

PFN_MASK = 0x000ffffffffff000
PRESENT, PSE, PROTNONE = 1 << 0, 1 << 7, 1 << 8
HUGE_PAT = 1 << 12          # _PAGE_PAT_LARGE, not a pfn bit in 2M/1G leaves
DEVMAP = 1 << 58            # _PAGE_DEVMAP (_PAGE_BIT_SOFTW4)
SWP_TYPE_BITS = 5           # MAX_SWAPFILES_SHIFT
SWP_OFFSET_SHIFT = 9 + SWP_TYPE_BITS   # _PAGE_BIT_PROTNONE + 1 + type bits
# 6.1: real swap files are types < MAX_SWAPFILES <= 32 - 4 device - 3 migration
# - hwpoison - marker; everything at or above 24 is a non-swap entry
SWP_SPECIAL_MIN = 24
U64 = (1 << 64) - 1


def swp_entry(pte):
    """(type, offset) of a non-present x86_64 PTE (offset is stored inverted)."""
    return pte >> (64 - SWP_TYPE_BITS), ((~pte << SWP_TYPE_BITS) & U64) >> SWP_OFFSET_SHIFT


class Walker:
    def __init__(self, prog):
        self.prog = prog
        self.page_offset = prog["page_offset_base"].value_()
        self.vmemmap = prog["vmemmap_base"].value_()
        self.page_size = prog.type("struct page").size
        self.ref_off = drgn.offsetof(prog.type("struct page"), "_refcount")

    def table(self, phys):
        data = self.prog.read(self.page_offset + phys, 4096)
        return struct.unpack("<512Q", data)

    def entries(self, pgd_va):
        """(vaddr, entry, pages) of every non-empty user leaf entry below a
        pgd: PTEs (1 page) and present 2M/1G leaves (512, 262144 pages)."""
        pgd = struct.unpack("<512Q", self.prog.read(pgd_va, 4096))
        for i in range(256):
            yield from self._level(pgd[i], i << 39, 4)

    def _level(self, e, va, level):
        if not e or not e & PRESENT:
            return
        if level < 4 and e & PSE:          # 1G/2M leaf (e.g. device-dax)
            yield va, e & ~HUGE_PAT, 1 << (9 * (level - 1))
            return
        try:
            tab = self.table(e & PFN_MASK)
        except drgn.FaultError:
            return
        shift = 12 + 9 * (level - 2)
        for i, sub in enumerate(tab):
            if not sub:
                continue
            if level == 2:
                yield va | (i << 12), sub, 1
            else:
                yield from self._level(sub, va | (i << shift), level - 1)

    def refcount(self, pfn):
        """_refcount of a pfn's struct page, None if its memmap is not readable."""
        try:
            data = self.prog.read(self.vmemmap + pfn * self.page_size + self.ref_off, 4)
        except drgn.FaultError:
            return None
        return struct.unpack("<i", data)[0]

    def refcounts(self, start, end):
        """{pfn: _refcount} for [start, end] read in 2 MiB batches."""
        out, batch = {}, 32768
        for lo in range(start, end + 1, batch):
            n = min(batch, end + 1 - lo)
            try:
                data = self.prog.read(self.vmemmap + lo * self.page_size, n * self.page_size)
            except drgn.FaultError:
                continue
            for k in range(n):
                out[lo + k] = struct.unpack_from("<i", data, k * self.page_size + self.ref_off)[0]
        return out


def classify(pte):
    """('present'|'device', pfn, swap type) or None for entries of no interest."""
    if pte & PRESENT or (pte & PROTNONE):
        pfn = ((pte if pte & PRESENT else ~pte) & PFN_MASK) >> 12
        return ("present", pfn, None)
    typ, off = swp_entry(pte)
    if typ >= SWP_SPECIAL_MIN:
        return ("device", off, typ)
    return None


def scan(prog):
    w = Walker(prog)
    pgmaps = dev_pagemap_info(prog)

    def owner(pfn):
        return next((p for p in pgmaps if p.covers(pfn)), None)

    holders, findings, seen_mm = [], [], set()
    named = set()
    for task in for_each_task(prog):
        mm = task.mm.value_()
        if not mm or mm in seen_mm:
            continue
        seen_mm.add(mm)
        pid, comm = task.pid.value_(), task.comm.string_().decode(errors="replace")
        for va, pte, npages in w.entries(task.mm.pgd.value_()):
            c = classify(pte)
            if not c:
                continue
            kind, pfn, typ = c
            pg = owner(pfn)
            if kind == "present" and not pg and not pte & DEVMAP:
                continue                     # ordinary RAM
            named.add(pfn)
            h = {"pid": pid, "comm": comm, "vaddr": "0x%x" % va, "pfn": pfn,
                 "entry": kind, "pte": "0x%x" % pte, "npages": npages,
                 "pgmap": "0x%x" % pg.address if pg else None}
            if typ is not None:
                h["swap_type"] = typ
            if pg is None:
                memmap = w.refcount(pfn) is not None
                h["memmap"] = memmap
                if kind == "device" and memmap:
                    continue                 # migration entry to RAM
                findings.append({"code": "HOLDER_ORPHANED", "severity": "error",
                                 "pfn": pfn, "pid": pid, "comm": comm, "vaddr": h["vaddr"],
                                 "detail": "%s entry names pfn 0x%x: no pgmap covers it, "
                                           "memmap %s" % (kind, pfn,
                                                          "present" if memmap else "gone")})
            holders.append(h)
    out_pgmaps = []
    for pg in pgmaps:
        if pg.type not in ("MEMORY_DEVICE_PRIVATE", "MEMORY_DEVICE_COHERENT"):
            out_pgmaps.append({"address": "0x%x" % pg.address, "type": pg.type})
            continue
        allocated = 0
        for lo, hi in pg.ranges:
            for pfn, ref in sorted(w.refcounts(lo, hi).items()):
                if ref <= 0:
                    continue
                allocated += 1
                if pfn not in named:
                    findings.append({"code": "PRIVATE_PAGE_LEAKED", "severity": "warning",
                                     "pfn": pfn, "pgmap": "0x%x" % pg.address,
                                     "detail": "refcount %d, no page table names it" % ref})
        out_pgmaps.append({"address": "0x%x" % pg.address, "type": pg.type,
                           "allocated": allocated,
                           "held": sum(1 for h in holders if h["pgmap"] == "0x%x" % pg.address)})
    return {"pgmaps": out_pgmaps, "holders": holders, "findings": findings}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-k", "--vmlinux")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("vmcore", nargs="?")
    args = ap.parse_args()
    prog = drgn.Program()
    if args.vmcore:
        prog.set_core_dump(args.vmcore)
    else:
        prog.set_kernel()
    if args.vmlinux:
        prog.load_debug_info([args.vmlinux])
    else:
        prog.load_default_debug_info()
    r = scan(prog)
    if args.json:
        json.dump(r, sys.stdout, indent=1)
        print()
    else:
        for p in r["pgmaps"]:
            print("pgmap %s %s allocated=%s held=%s" % (p["address"], p["type"],
                                                       p.get("allocated", "-"), p.get("held", "-")))
        for h in r["holders"]:
            print("holder pid=%d comm=%s vaddr=%s pfn=0x%x entry=%s pgmap=%s" %
                  (h["pid"], h["comm"], h["vaddr"], h["pfn"], h["entry"], h["pgmap"]))
        for f in r["findings"]:
            print("%s (%s) pfn 0x%x: %s" % (f["code"], f["severity"], f["pfn"], f["detail"]))
    return 1 if any(f["severity"] == "error" for f in r["findings"]) else 0


if __name__ == "__main__":
    sys.exit(main())
