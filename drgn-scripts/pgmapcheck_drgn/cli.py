# SPDX-License-Identifier: LGPL-2.1-or-later
"""
The ``pgmapcheck.py`` drgn script: the ``pgmapcheck`` CLI's options, output
(libinspect's own text and JSON writers) and exit codes, over a drgn program.

Exit status: 0 clean, 1 a finding reached ``--fail-on``, 2 usage or input
error, 130 interrupted.
"""

import argparse
import os
import sys
import time
from typing import List, Optional, Tuple

import drgn

from pgmapcheck_drgn import _libinspect as li

__all__ = ("main", "parse_args")

_PROG = "pgmapcheck.py"
_USAGE_UNDER_DRGN = (
    "drgn -c VMCORE -s VMLINUX drgn-scripts/pgmapcheck.py [OPTION]...\n"
    "       drgn [-s VMLINUX] drgn-scripts/pgmapcheck.py [OPTION]...   "
    "(live kernel)\n"
    "       /usr/bin/python3 drgn-scripts/pgmapcheck.py [OPTION]... "
    "[-k VMLINUX] [VMCORE]")

_EPILOG = """\
Checks ZONE_DEVICE memory with libinspect, the library behind the pgmapcheck
CLI and the crash extension; drgn supplies memory, types and symbols.  The
options, output and JSON schema are the CLI's (libinspect/SCHEMA.md).

exit status: 0 nothing at the --fail-on level, 1 a finding at that level,
2 usage or input error, 130 interrupted.

examples:
  drgn -c vmcore -s vmlinux drgn-scripts/pgmapcheck.py --summary
  drgn -c vmcore -s vmlinux drgn-scripts/pgmapcheck.py --json | jq .summary
  drgn drgn-scripts/pgmapcheck.py --pfn 0x20000-0x27fff      (live kernel)
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:	# type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(2)


def _int(text: str) -> int:
    return int(text, 0)


def _pfn_range(text: str) -> Tuple[int, int]:
    start, sep, end = text.partition("-")
    try:
        s = int(start, 0)
        e = int(end, 0) if sep else s
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid pfn range: {text!r}")
    if e < s:
        raise argparse.ArgumentTypeError(f"pfn range ends before it starts: "
                                         f"{text!r}")
    return s, e


def _address(text: str) -> int:
    try:
        value = int(text, 16 if not text.lower().startswith("0x") else 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid address: {text!r}")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"invalid address: {text!r}")
    return value


def _count(text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        value = -1
    if value < 1:
        raise argparse.ArgumentTypeError(f"invalid count: {text!r}")
    return value


def parse_args(argv: List[str], standalone: bool) -> argparse.Namespace:
    """Parse the CLI's options (plus -k/VMCORE when run without drgn)."""
    p = _Parser(prog=_PROG, usage=_USAGE_UNDER_DRGN, epilog=_EPILOG,
                description="Check ZONE_DEVICE struct pages, their "
                "dev_pagemaps and the vmemmap behind them.",
                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json", action="store_true",
                   help="print the JSON report (libinspect/SCHEMA.md)")
    p.add_argument("--pgmap", metavar="ADDR", type=_address,
                   help="check only this struct dev_pagemap")
    p.add_argument("--pfn", metavar="START[-END]", type=_pfn_range,
                   help="check only pfns in [START, END] (inclusive)")
    p.add_argument("--summary", action="store_true",
                   help="print only the summary lines")
    p.add_argument("--verbose", action="store_true",
                   help="print every stored finding and the kernel model")
    p.add_argument("--fail-on", choices=("error", "warning", "never"),
                   default="error",
                   help="exit 1 when a finding reaches this severity "
                   "(default: error)")
    p.add_argument("--max-findings", metavar="N", type=_count, default=0,
                   help="findings stored per code (default 1000; counts "
                   "stay exact)")
    p.add_argument("--no-vmemmap", action="store_true",
                   help="skip the vmemmap page-table accounting")
    prog_group = p.add_mutually_exclusive_group()
    prog_group.add_argument("--progress", dest="progress",
                            action="store_true", default=None,
                            help="show progress on stderr")
    prog_group.add_argument("--no-progress", dest="progress",
                            action="store_false",
                            help="never show progress")
    p.add_argument("--list-codes", action="store_true",
                   help="list the finding codes and exit")
    p.add_argument("--version", action="store_true",
                   help="print the version and exit")
    if standalone:
        p.add_argument("-k", "--vmlinux", metavar="VMLINUX",
                       help="debug vmlinux (default: searched by release)")
        p.add_argument("vmcore", metavar="VMCORE", nargs="?",
                       help="dump to check (default: the live kernel)")
    return p.parse_args(argv)


def _list_codes() -> None:
    for code, severity, summary in li.codes():
        print(f"{code:<26} {severity:<8} {summary}")


def _fail_level(fail_on: str) -> Optional[int]:
    return {"error": 2, "warning": 1, "never": None}[fail_on]


class _Progress:
    """Progress on stderr, at most a few times a second."""

    def __init__(self) -> None:
        self.last = 0.0
        self.shown = False

    def __call__(self, phase: str, done: int, total: int) -> bool:
        now = time.monotonic()
        if now - self.last >= 0.5 or done == total:
            self.last = now
            pct = 100 * done // total if total else 100
            sys.stderr.write(f"\rpgmapcheck: {phase} {pct:3d}% "
                             f"({done}/{total})\033[K")
            sys.stderr.flush()
            self.shown = True
        return False

    def finish(self) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _cmdline_args() -> List[str]:
    """drgn's own command line (to name the dump and vmlinux)."""
    try:
        with open("/proc/self/cmdline", "rb") as f:
            return [a.decode(errors="replace")
                    for a in f.read().split(b"\0") if a]
    except OSError:
        return []


def _drgn_source_and_vmlinux(prog: drgn.Program) -> Tuple[str, Optional[str]]:
    if prog.flags & drgn.ProgramFlags.IS_LIVE:
        source = "live"
    else:
        source = "vmcore"
    vmlinux = None
    args = _cmdline_args()
    for i, a in enumerate(args[:-1]):
        if a in ("-c", "--core") and source != "live":
            source = os.path.abspath(args[i + 1])
        elif a in ("-s", "--symbols") and vmlinux is None:
            vmlinux = os.path.abspath(args[i + 1])
    for a in args:
        if a.startswith("--core="):
            source = os.path.abspath(a.split("=", 1)[1])
        elif a.startswith("--symbols=") and vmlinux is None:
            vmlinux = os.path.abspath(a.split("=", 1)[1])
    return source, vmlinux


def _cache_vmlinux(prog: drgn.Program) -> Optional[str]:
    """$PGMAPCHECK_CACHE/kernels/RELEASE/vmlinux, as the CLI looks it up."""
    try:
        release = prog["UTS_RELEASE"].string_().decode()
    except (KeyError, LookupError, drgn.FaultError, ValueError):
        return None
    cache = os.environ.get("PGMAPCHECK_CACHE",
                           os.path.expanduser("~/.cache/pgmapcheck"))
    path = os.path.join(cache, "kernels", release, "vmlinux")
    return path if os.path.exists(path) else None


def _open_program(vmcore: Optional[str],
                  vmlinux: Optional[str]) -> drgn.Program:
    """Open a program without the drgn CLI (standalone use, tests)."""
    prog = drgn.Program()
    if vmcore:
        prog.set_core_dump(vmcore)
    else:
        prog.set_kernel()
    if vmlinux is None:
        vmlinux = _cache_vmlinux(prog)
    try:
        if vmlinux:
            prog.load_debug_info([vmlinux], default=False, main=False)
        else:
            prog.load_debug_info(None, default=True, main=True)
    except drgn.MissingDebugInfoError as e:
        # Missing module debug info is fine; a kernel without types is not.
        try:
            prog.type("struct page")
        except LookupError:
            raise e from None
    return prog


def main(prog: Optional[drgn.Program], argv: List[str]) -> int:
    """
    Run the script.  *prog* is drgn's program (the script was started by
    the drgn CLI) or None (started by python: open ``-k``/``VMCORE``).
    Returns the exit status.
    """
    standalone = prog is None
    args = parse_args(argv, standalone)
    if args.version:
        print(f"pgmapcheck.py (drgn {drgn.__version__}) libinspect "
              f"{li.library().li_version().decode()}")
        return 0
    if args.list_codes:
        _list_codes()
        return 0
    if args.summary and args.verbose:
        print(f"{_PROG}: --summary and --verbose exclude each other",
              file=sys.stderr)
        return 2
    try:
        li.library()
    except OSError as e:
        print(f"{_PROG}: {e}", file=sys.stderr)
        return 2

    if standalone:
        try:
            prog = _open_program(args.vmcore, args.vmlinux)
        except (OSError, ValueError, drgn.MissingDebugInfoError) as e:
            print(f"{_PROG}: {e}", file=sys.stderr)
            return 2
        source = os.path.abspath(args.vmcore) if args.vmcore else "live"
        vmlinux = args.vmlinux
    else:
        source, vmlinux = _drgn_source_and_vmlinux(prog)
    assert prog is not None
    if not prog.flags & drgn.ProgramFlags.IS_LINUX_KERNEL:
        print(f"{_PROG}: the program is not a Linux kernel", file=sys.stderr)
        return 2

    show = args.progress
    if show is None:
        show = sys.stderr.isatty()
    progress = _Progress() if show else None
    target = li.DrgnTarget(prog, source=source, vmlinux=vmlinux)
    try:
        report = li.run_check(
            target, pgmap=args.pgmap or 0, pfn_range=args.pfn,
            max_findings=args.max_findings,
            flags=li.LI_OPT_NO_VMEMMAP if args.no_vmemmap else 0,
            progress=progress)
    except KeyboardInterrupt:
        if progress:
            progress.finish()
        print(f"{_PROG}: interrupted", file=sys.stderr)
        return 130
    except li.LibInspectError as e:
        if progress:
            progress.finish()
        print(f"{_PROG}: {e}", file=sys.stderr)
        return 2
    if progress:
        progress.finish()
    with report:
        flags = 0
        if args.summary:
            flags |= li.LI_TEXT_SUMMARY
        if args.verbose:
            flags |= li.LI_TEXT_VERBOSE
        sys.stdout.flush()
        ret = report.write(sys.stdout.fileno(), args.json, flags)
        if ret < 0:
            print(f"{_PROG}: writing the report: {li.strerror(ret)}",
                  file=sys.stderr)
            return 2
        level = _fail_level(args.fail_on)
        if level is not None and report.max_severity() >= level:
            return 1
    return 0
