# SPDX-License-Identifier: LGPL-2.1-or-later
"""
The ``pgmapcheck.py`` drgn script: the ``pgmapcheck`` CLI's options, output
(libinspect's own text and JSON writers) and exit codes, over a drgn program.

Exit status: 0 clean, 1 a finding reached ``--fail-on``, 2 usage or input
error, 130 interrupted, like the CLI.  Option values, their error messages,
the status and the table of codes are libinspect's (li_parse_option,
li_exit_status, li_codes_text), so they cannot drift from the CLI's.
"""

import argparse
import os
import sys
from typing import Any, Dict, List, Optional, Tuple, Union

import drgn

from pgmapcheck_drgn import _libinspect as li

__all__ = ("main", "open_program", "options_of", "parse_args")

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

exit status: 0 no finding at or above the --fail-on level, 1 at least one,
2 usage or input error, 130 interrupted (^C).

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


def common_arguments() -> List[Tuple[str, Tuple[str, ...], Dict[str, Any]]]:
    """
    libinspect's common options (li_option()) as argparse arguments:
    ``(name, flags, keywords)``; --progress and --no-progress share the
    ``progress`` destination (None: automatic).  The CLI and the crash
    extension build their parsers from the same table.
    """
    out = []
    for o in li.options():
        flags = ((f"-{o.letter}",) if o.letter else ()) + (f"--{o.name}",)
        kw: Dict[str, Any] = {"help": o.help}
        if o.arg:
            kw["metavar"] = o.arg
        else:
            kw["action"] = "store_true"
        if o.name in ("progress", "no-progress"):
            kw.update(dest="progress", default=None, action="store_true"
                      if o.name == "progress" else "store_false")
        out.append((o.name, flags, kw))
    return out


def options_of(ns: argparse.Namespace) -> li.Options:
    """
    The run's options from parsed arguments, through li_parse_option: the
    CLI's grammar and messages.  Raises ValueError with the message.
    """
    opts = li.Options()
    for o in li.options():
        if not o.run:
            continue
        name = o.name
        value = getattr(ns, name.replace("-", "_"), None)
        if value is None or value is False:
            continue
        opts.set(name, None if value is True else value)
    return opts


class UsageError(ValueError):
    """A usage error: the CLI's status 2 and "Try --help"."""


def prepare(ns: argparse.Namespace, name: str) -> Union[int, li.Options]:
    """
    What both drgn frontends (this script and the drgn command) do before
    a check: refuse --summary with --verbose, load libinspect, answer
    --version (as *name*) and --list-codes, and parse the run's options.
    Returns an exit status when that is all, else the run's options.
    Raises UsageError or OSError (no libinspect).
    """
    if ns.summary and ns.verbose:
        raise UsageError("--summary and --verbose exclude each other")
    lib = li.library()
    if ns.version:
        print(f"{name} (libinspect) {lib.li_version().decode()}, "
              f"JSON schema {li.LI_JSON_SCHEMA_VERSION}, "
              f"drgn {drgn.__version__}")
        return 0
    if ns.list_codes:
        sys.stdout.write(li.codes_text(ns.json))
        return 0
    try:
        return options_of(ns)
    except ValueError as e:
        raise UsageError(str(e)) from None


def check(target: "li.DrgnTarget", ns: argparse.Namespace,
          opts: li.Options) -> "li.Report":
    """li.run_check with the run's options and the progress line that
    --progress/--no-progress ask for, erased before it returns or raises
    (KeyboardInterrupt for ^C, LibInspectError)."""
    progress = None if ns.progress is False else \
        li.Progress(always=bool(ns.progress))
    try:
        return li.run_check(target, progress=progress, **opts.run_args())
    finally:
        if progress:
            progress.finish()


def text_flags(ns: argparse.Namespace) -> int:
    """The text report's flags for --summary and --verbose."""
    return (li.LI_TEXT_SUMMARY if ns.summary else 0) | \
        (li.LI_TEXT_VERBOSE if ns.verbose else 0)


def parse_args(argv: List[str], standalone: bool) -> argparse.Namespace:
    """Parse the CLI's options (plus -k/VMCORE when run without drgn)."""
    p = _Parser(prog=_PROG, usage=_USAGE_UNDER_DRGN, epilog=_EPILOG,
                description="Check ZONE_DEVICE struct pages, their "
                "dev_pagemaps and the vmemmap behind them.",
                formatter_class=argparse.RawDescriptionHelpFormatter,
                add_help=False)
    p.add_argument("-t", "--types", metavar="SOURCE",
                   choices=("auto", "dwarf", "btf"), default="auto",
                   help="auto (default): drgn's types if it has the kernel's "
                   "debug info, else btf; dwarf: drgn's debug info is "
                   "required; btf: libinspect reads the kernel's BTF and "
                   "kallsyms through drgn's memory, no vmlinux")
    progress = p.add_mutually_exclusive_group()
    for name, flags, kw in common_arguments():
        if name == "help":
            kw.update(action="help")
        (progress if kw.get("dest") == "progress" else p).add_argument(
            *flags, **kw)
    if standalone:
        p.add_argument("-k", "--vmlinux", metavar="VMLINUX",
                       help="debug vmlinux (default: searched by release)")
        p.add_argument("vmcore", metavar="VMCORE", nargs="?",
                       help="dump to check (default: the live kernel)")
    return p.parse_args(argv)


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
    # drgn's options come before the script; the script's own (-s is
    # --summary there) after it.
    if sys.argv and sys.argv[0] in args:
        args = args[:args.index(sys.argv[0])]
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


_has_kernel_types = li.has_kernel_types


def _find_vmlinux(prog: drgn.Program) -> Optional[str]:
    """The dump's debug vmlinux where the CLI looks for it (its release,
    its build-id when VMCOREINFO says one): libinspect's li_find_vmlinux."""
    try:
        release = prog["UTS_RELEASE"].string_().decode()
    except (KeyError, LookupError, drgn.FaultError, ValueError):
        return None
    # the dump file's VMCOREINFO, as the CLI reads it (nothing cached: the
    # kernel's own note is read once the debug info is loaded)
    build_id = None
    path = li.core_dump_path(prog)
    if path:
        try:
            for line in li.vmcoreinfo_of_file(path).splitlines():
                if line.startswith("BUILD-ID="):
                    build_id = line[len("BUILD-ID="):]
        except (OSError, ValueError):
            pass
    return li.find_vmlinux(release, build_id)[0]


def _build_id_mismatch(target: li.DrgnTarget,
                       vmlinux: Optional[str]) -> Optional[str]:
    """Refuse a vmlinux that is not the dump's kernel, like the CLI."""
    want = target.vmcoreinfo().get("BUILD-ID")
    if not want or not vmlinux:
        return None
    return li.build_id_mismatch(vmlinux, want)


def open_program(vmcore: Optional[str], vmlinux: Optional[str],
                 types: str = "dwarf") -> drgn.Program:
    """
    Open a kernel without the drgn CLI (standalone use, scripts, tests).

    :param vmcore: Dump path, or None for the live kernel (/proc/kcore).
    :param vmlinux: Debug vmlinux, or None to look for it where the CLI
        does (li_find_vmlinux: the system's debug places, then
        ``$PGMAPCHECK_CACHE/kernels/RELEASE/vmlinux``) and then in drgn's
        default places.
    :param types: ``"dwarf"``: the kernel's debug info must load;
        ``"auto"``: the program may stay without it when none is found
        (the helpers then use the kernel's BTF and kallsyms); ``"btf"``:
        no debug info is loaded (the fastest start).
    """
    prog = drgn.Program()
    if vmcore:
        prog.set_core_dump(vmcore)
        # drgn 0.0.22 does not say which file it opened: VMCOREINFO is
        # read from there when there is no debug info
        prog.cache["pgmapcheck_drgn.core_dump_path"] = os.path.abspath(vmcore)
    else:
        prog.set_kernel()
    if types == "btf":
        return prog
    given = vmlinux is not None
    if vmlinux is None:
        vmlinux = _find_vmlinux(prog)
    try:
        if vmlinux:
            prog.load_debug_info([vmlinux], default=False, main=False)
        else:
            prog.load_debug_info(None, default=True, main=True)
    except drgn.MissingDebugInfoError as e:
        # Missing module debug info is fine; a kernel without types is
        # only where BTF may stand in.
        if not _has_kernel_types(prog) and (types != "auto" or given):
            raise e from None
    return prog


def load_cache_vmlinux(prog: drgn.Program,
                       vmlinux: Optional[str]) -> Optional[str]:
    """When drgn found no vmlinux, load the one the CLI would find (the
    system's debug places, then $PGMAPCHECK_CACHE/kernels/RELEASE/vmlinux);
    the vmlinux in use."""
    if _has_kernel_types(prog):
        return vmlinux
    found = _find_vmlinux(prog)
    if found:
        try:
            prog.load_debug_info([found], default=False, main=False)
        except drgn.MissingDebugInfoError:
            pass
    return found if _has_kernel_types(prog) else None


def open_target(prog: drgn.Program, source: str, vmlinux: Optional[str],
                types: str, text: bool) -> li.DrgnTarget:
    """
    The target of a run, its types and symbols chosen by *types* as the
    CLI's --types: drgn's debug info (its vmlinux's build-id must be the
    dump's), or without it the kernel's BTF and kallsyms (opened here, so
    that their errors come first).  *text*: the text report's first line
    will say where the types came from.  Raises ValueError (a mismatched
    vmlinux) or LibInspectError, with the message to print.
    """
    no_info = ("no debug info for the kernel: give the debug vmlinux "
               "(drgn -s VMLINUX, or -k VMLINUX without drgn)")
    if types == "dwarf" and not _has_kernel_types(prog):
        raise ValueError(no_info)
    target = li.DrgnTarget(prog, source=source, vmlinux=vmlinux,
                           types=types)
    if not target.uses_btf():
        mismatch = _build_id_mismatch(target, vmlinux)
        if mismatch:
            raise ValueError(mismatch)
        return target
    try:
        target.li_target()
    except li.LibInspectError as e:
        if types == "btf":
            raise
        raise ValueError(f"{no_info}; and without it: {e}") from None
    if text:
        target.name_sources_in_text()
    return target


def main(prog: Optional[drgn.Program], argv: List[str]) -> int:
    """
    Run the script.  *prog* is drgn's program (the script was started by
    the drgn CLI) or None (started by python: open ``-k``/``VMCORE``).
    Returns the exit status.
    """
    standalone = prog is None
    args = parse_args(argv, standalone)
    try:
        opts = prepare(args, "pgmapcheck.py")
    except UsageError as e:
        print(f"{_PROG}: {e}\nTry '{_PROG} --help' for more information.",
              file=sys.stderr)
        return 2
    except OSError as e:
        print(f"{_PROG}: {e}", file=sys.stderr)
        return 2
    if isinstance(opts, int):
        return opts

    if standalone and args.vmlinux and args.types == "btf":
        print(f"{_PROG}: -k gives a DWARF vmlinux: not with --types btf",
              file=sys.stderr)
        return 2
    if standalone:
        try:
            prog = open_program(args.vmcore, args.vmlinux, args.types)
        except Exception as e:	# drgn raises plain Exception for bad files
            print(f"{_PROG}: {args.vmcore or '/proc/kcore'}: {e}",
                  file=sys.stderr)
            return 2
        source = os.path.abspath(args.vmcore) if args.vmcore else "live"
        vmlinux = args.vmlinux
    else:
        source, vmlinux = _drgn_source_and_vmlinux(prog)
        if args.types != "btf":
            vmlinux = load_cache_vmlinux(prog, vmlinux)
    assert prog is not None
    if not prog.flags & drgn.ProgramFlags.IS_LINUX_KERNEL:
        print(f"{_PROG}: the program is not a Linux kernel", file=sys.stderr)
        return 2
    try:
        target = open_target(prog, source, vmlinux, args.types,
                             not args.json)
    except (li.LibInspectError, ValueError) as e:
        print(f"{_PROG}: {e}", file=sys.stderr)
        return 2

    # the CLI's words: "PROG: DUMP: why" (li_check_error), 130 on ^C
    where = (args.vmcore if standalone else source) or "live kernel"
    if where == "live":
        where = "live kernel"
    try:
        report = check(target, args, opts)
    except KeyboardInterrupt:
        print(f"{_PROG}: {where}: interrupted", file=sys.stderr)
        return li.LI_EXIT_INTERRUPTED
    except li.LibInspectError as e:
        print(f"{_PROG}: {where}: {e.message}", file=sys.stderr)
        return 2
    with report:
        sys.stdout.flush()
        ret = report.write(sys.stdout.fileno(), args.json, text_flags(args))
        if ret < 0:
            print(f"{_PROG}: writing the report: {li.strerror(ret)}",
                  file=sys.stderr)
            return 2
        return report.exit_status(opts.fail_on)
