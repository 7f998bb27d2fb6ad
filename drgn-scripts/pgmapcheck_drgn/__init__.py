# SPDX-License-Identifier: LGPL-2.1-or-later
"""
ZONE_DEVICE Memory Checks
-------------------------

The ``pgmapcheck_drgn`` module provides helpers for checking ZONE_DEVICE
memory: the ``struct dev_pagemap`` registry (``pgmap_array``), the struct
pages of each pgmap's ranges, compound devmaps and the vmemmap behind them.

Every answer comes from libinspect, the same library behind the
``pgmapcheck`` CLI and the crash extension: the helpers hand libinspect a
target backed by ``prog`` (memory, types, symbols) and turn its JSON report
into Python objects.  There is no check logic in Python, so the verdicts are
the CLI's.

Works on a vmcore (``drgn -c VMCORE -s VMLINUX``) and on the live kernel
(``drgn``, through ``/proc/kcore``) with drgn 0.0.22 or newer.  Without the
kernel's debug info (``drgn -c VMCORE`` alone) drgn supplies only memory:
libinspect then reads the kernel's own BTF and kallsyms through it (kernels
6.0 and later with CONFIG_DEBUG_INFO_BTF and CONFIG_KALLSYMS_ALL), and the
objects returned point to incomplete ``struct dev_pagemap``.

>>> from pgmapcheck_drgn import *
>>> for pgmap in for_each_dev_pagemap(prog):
...     print(hex(pgmap), pgmap.type)
>>> result = check_pgmaps(prog)
>>> [(f.code, f.pfn) for f in result.findings if f.severity == "error"]
"""

from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Tuple

from drgn import Object, Program

from pgmapcheck_drgn._libinspect import (
    LI_OPT_NO_HOLDERS,
    LI_OPT_NO_HUGETLB,
    LI_OPT_NO_VMEMMAP,
    LI_OPT_PGMAPS_ONLY,
    DrgnTarget,
    LibInspectError,
    ProgressFn,
    run_check,
)

__all__ = (
    "Address",
    "CheckResult",
    "Finding",
    "LibInspectError",
    "PgmapInfo",
    "VmemmapSavings",
    "check_pgmaps",
    "dev_pagemap_info",
    "for_each_dev_pagemap",
    "pgmap_of_pfn",
    "vmemmap_savings",
)


class Address(int):
    """A kernel address: an int that prints in hex."""

    def __repr__(self) -> str:
        return hex(self)


def _addr(value: Any) -> Optional[int]:
    """JSON addresses are "0x..." strings (they exceed 2^53)."""
    if value is None:
        return None
    return Address(value if isinstance(value, int) else int(value, 0))


@dataclass(frozen=True)
class PgmapInfo:
    """One registered ``struct dev_pagemap`` as libinspect read it."""

    #: Address of the ``struct dev_pagemap``.
    address: int
    #: ``enum memory_type`` enumerator name, e.g. ``"MEMORY_DEVICE_GENERIC"``.
    type: str
    #: ``(start_pfn, end_pfn)`` per range, end inclusive.
    ranges: Tuple[Tuple[int, int], ...]
    #: ``dev_pagemap.vmemmap_shift`` (compound page order).
    vmemmap_shift: int
    #: Whether the pgmap has a valid altmap (device-backed memmap).
    altmap: bool
    #: The pgmap's object in libinspect's JSON report, as is.
    raw: Dict[str, Any] = field(compare=False, repr=False)

    def covers(self, pfn: int) -> bool:
        """Whether one of the ranges contains *pfn*."""
        return any(start <= pfn <= end for start, end in self.ranges)

    def object(self, prog: Program) -> Object:
        """
        The pgmap as a ``struct dev_pagemap *`` drgn object; without the
        kernel's debug info, a pointer to the incomplete struct (it names
        the pgmap; its members need the debug info).
        """
        try:
            return Object(prog, "struct dev_pagemap *", value=self.address)
        except LookupError:
            incomplete = prog.struct_type("dev_pagemap")
            return Object(prog, prog.pointer_type(incomplete),
                          value=self.address)

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> "PgmapInfo":
        return cls(
            address=_addr(d["address"]) or 0,
            type=str(d.get("type", "")),
            ranges=tuple((int(r["start_pfn"]), int(r["end_pfn"]))
                         for r in d.get("ranges", ())),
            vmemmap_shift=int(d.get("vmemmap_shift", 0)),
            altmap=bool(d.get("altmap", False)),
            raw=d,
        )


@dataclass(frozen=True)
class Finding:
    """One finding of libinspect (``pgmapcheck --list-codes``, CODES.md)."""

    #: Finding code, e.g. ``"TAIL_REFCOUNT"``.
    code: str
    #: ``"error"``, ``"warning"`` or ``"info"``.
    severity: str
    #: Page frame number concerned (0 when about no page).
    pfn: int
    #: Address of the ``struct page`` (or of the object read), 0 if none.
    page: Optional[int]
    #: Address of the ``struct dev_pagemap`` concerned, if any.
    pgmap: Optional[int]
    #: Human-readable detail.
    detail: str
    #: For a struct page in a shared vmemmap frame: the physical frame.
    frame: Optional[int] = None
    #: With *frame*: how many vmemmap pages of the compound map that frame.
    aliases: Optional[int] = None
    #: For ``MEMMAP_NOT_CAPTURED``: pfns in the run starting at *pfn*.
    count: Optional[int] = None
    #: The finding's object in libinspect's JSON report, as is.
    raw: Dict[str, Any] = field(default_factory=dict, compare=False,
                                repr=False)

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> "Finding":
        return cls(
            code=str(d["code"]),
            severity=str(d.get("severity", "")),
            pfn=int(d.get("pfn", 0)),
            page=_addr(d.get("page")),
            pgmap=_addr(d.get("pgmap")),
            detail=str(d.get("detail", "")),
            frame=_addr(d.get("frame")),
            aliases=d.get("aliases"),
            count=d.get("count"),
            raw=d,
        )


@dataclass(frozen=True)
class VmemmapSavings:
    """Vmemmap accounting of one pgmap range (``vmemmap[]`` of the report)."""

    #: ``struct dev_pagemap`` address.
    pgmap: Optional[int]
    #: Index of the range in the pgmap.
    range: int
    #: First and last pfn of the range (inclusive).
    start_pfn: int
    end_pfn: int
    #: 4 KiB vmemmap pages spanned by the range's struct pages.
    vmemmap_pages: int
    #: Distinct 4 KiB frames actually backing them (page-table walk).
    frames: int
    #: Frames predicted by the kernel's sharing rules.
    predicted_frames: Optional[int]
    #: Bytes saved by sharing.
    saved_bytes: int
    #: The row of libinspect's JSON report, as is.
    raw: Dict[str, Any] = field(default_factory=dict, compare=False,
                                repr=False)

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> "VmemmapSavings":
        predicted = d.get("predicted_frames")
        return cls(
            pgmap=_addr(d.get("pgmap")),
            range=int(d.get("range", 0)),
            start_pfn=int(d.get("start_pfn", 0)),
            end_pfn=int(d.get("end_pfn", 0)),
            vmemmap_pages=int(d.get("vmemmap_pages", 0)),
            frames=int(d.get("frames", 0)),
            predicted_frames=None if predicted is None else int(predicted),
            saved_bytes=int(d.get("saved_bytes", 0)),
            raw=d,
        )


@dataclass(frozen=True)
class CheckResult:
    """What :func:`check_pgmaps` found."""

    #: Stored findings (capped per code by ``max_findings``).
    findings: List[Finding]
    #: Registered pgmaps.
    pgmaps: List[PgmapInfo]
    #: Vmemmap accounting per pgmap.
    vmemmap: List[VmemmapSavings]
    #: Highest severity found (``"error"``, ``"warning"``, ``"info"``) or
    #: None if nothing was found.
    max_severity: Optional[str]
    #: libinspect's whole JSON report (schema ``libinspect/SCHEMA.md``).
    report: Dict[str, Any] = field(repr=False)

    def errors(self) -> List[Finding]:
        """Findings of severity ``"error"``."""
        return [f for f in self.findings if f.severity == "error"]


_SEVERITIES = ("info", "warning", "error")


def _target(prog: Program) -> DrgnTarget:
    # One target per program: it caches type lookups and VMCOREINFO.
    target = prog.cache.get("pgmapcheck_drgn_target")
    if target is None:
        target = DrgnTarget(prog, source=_source(prog))
        prog.cache["pgmapcheck_drgn_target"] = target
    return target


def _source(prog: Program) -> str:
    from drgn import ProgramFlags

    return "live" if prog.flags & ProgramFlags.IS_LIVE else "vmcore"


def _report(prog: Program, **kwargs: Any) -> Dict[str, Any]:
    with run_check(_target(prog), **kwargs) as report:
        return report.json()


def _pgmaps(doc: Dict[str, Any]) -> List[PgmapInfo]:
    return [PgmapInfo.from_json(p) for p in doc.get("pgmaps", ())]


def dev_pagemap_info(prog: Program) -> List[PgmapInfo]:
    """
    Get every registered ``struct dev_pagemap`` with its type, ranges,
    vmemmap_shift and altmap, as libinspect read them from ``pgmap_array``
    (no page walk).

    :param prog: Program to inspect (vmcore or live kernel).
    """
    return _pgmaps(_report(prog, flags=LI_OPT_PGMAPS_ONLY))


def for_each_dev_pagemap(prog: Program) -> Iterator[Object]:
    """
    Iterate over every registered ZONE_DEVICE pagemap (the values of
    ``pgmap_array``, each pgmap once, in the order libinspect reports them).

    :param prog: Program to inspect.
    :return: Iterator of ``struct dev_pagemap *`` objects.
    """
    for info in dev_pagemap_info(prog):
        yield info.object(prog)


def pgmap_of_pfn(prog: Program, pfn: int) -> Optional[Object]:
    """
    Get the registered pgmap whose ranges cover a page frame number, like
    the kernel's ``get_dev_pagemap(pfn)`` (but without taking a reference).

    :param prog: Program to inspect.
    :param pfn: Page frame number.
    :return: ``struct dev_pagemap *``, or None if no pgmap covers *pfn*.
    """
    for info in dev_pagemap_info(prog):
        if info.covers(pfn):
            return info.object(prog)
    return None


def check_pgmaps(
    prog: Program,
    pgmap: Optional[Any] = None,
    pfn_range: Optional[Tuple[int, int]] = None,
    max_findings: int = 0,
    vmemmap: bool = True,
    hugetlb: bool = True,
    holders: bool = True,
    progress: Optional[ProgressFn] = None,
) -> CheckResult:
    """
    Check the pgmaps, their struct pages and vmemmap with libinspect.

    >>> r = check_pgmaps(prog)
    >>> for f in r.errors():
    ...     print(f.code, f.pfn, hex(f.pgmap or 0), f.detail)

    :param prog: Program to inspect.
    :param pgmap: Only this pgmap: ``struct dev_pagemap *`` object or
        address.
    :param pfn_range: Only pfns in ``(start, end)``, end inclusive.
    :param max_findings: Findings stored per code (0: libinspect's default,
        1000); counts in the report stay exact.
    :param vmemmap: Walk the page tables to account the vmemmap.
    :param hugetlb: Check HugeTLB vmemmap optimisation too.
    :param holders: Walk user page tables for the processes mapping device
        pages too.
    :param progress: Called as ``progress(phase, done, total)``; return True
        to cancel (then :class:`KeyboardInterrupt` or
        :class:`LibInspectError` is raised).
    :raises LibInspectError: the check could not run (e.g. unsupported
        kernel layout).
    """
    address = 0
    if pgmap is not None:
        address = pgmap.value_() if isinstance(pgmap, Object) else int(pgmap)
    flags = 0 if vmemmap else LI_OPT_NO_VMEMMAP
    if not hugetlb:
        flags |= LI_OPT_NO_HUGETLB
    if not holders:
        flags |= LI_OPT_NO_HOLDERS
    with run_check(_target(prog), pgmap=address, pfn_range=pfn_range,
                   max_findings=max_findings, flags=flags,
                   progress=progress) as report:
        doc = report.json()
        sev = report.max_severity()
    return CheckResult(
        findings=[Finding.from_json(f) for f in doc.get("findings", ())],
        pgmaps=_pgmaps(doc),
        vmemmap=[VmemmapSavings.from_json(v)
                 for v in _vmemmap_rows(doc)],
        max_severity=_SEVERITIES[sev] if 0 <= sev < 3 else None,
        report=doc,
    )


def _vmemmap_rows(doc: Dict[str, Any]) -> List[Dict[str, Any]]:
    return list(doc.get("vmemmap") or ())


def vmemmap_savings(prog: Program) -> List[VmemmapSavings]:
    """
    Get the vmemmap accounting of every pgmap range: 4 KiB vmemmap pages
    spanned by its struct pages, distinct frames backing them (from the
    kernel page tables), frames the kernel's sharing rules predict and bytes
    saved.

    :param prog: Program to inspect.
    """
    doc = _report(prog, flags=LI_OPT_NO_HUGETLB | LI_OPT_NO_HOLDERS)
    return [VmemmapSavings.from_json(v) for v in _vmemmap_rows(doc)]
