# SPDX-License-Identifier: LGPL-2.1-or-later
"""
The ``pgmapcheck`` drgn command: ``%pgmapcheck`` in the drgn shell,
``run_command(prog, "pgmapcheck ...")`` from code.

Needs a drgn with :mod:`drgn.commands` (0.3 and later); the plugin
(:mod:`pgmapcheck_drgn.plugin`) imports this module only there.  Importing
it registers the command.

The options are the ``pgmapcheck`` CLI's but for ``-k VMLINUX`` and
``VMCORE``: the command checks the program drgn opened, and names the dump
(``Program.core_dump_path``) and the vmlinux (the main module's debug file)
drgn was opened with in the report, like the CLI.  The report is written by
libinspect's own text and JSON writers, so it is the CLI's byte for byte but
for the ``target`` object; shell redirections (``> file``, ``>> file``) and
pipes (``| cmd``) work.

The command returns the CLI's exit status for its findings: 0 when none
reaches ``--fail-on`` (default error), 1 when one does.  Usage and input
errors (the CLI's status 2) raise :class:`drgn.commands.CommandError`.
"""

import argparse
import os
import sys
import tempfile
from typing import Any, Optional, Sequence, Tuple

import drgn
from drgn.commands import (
    CommandArgumentError,
    CommandError,
    argument,
    mutually_exclusive_group,
    parse_shell_command,
)
from drgn.commands.linux import linux_kernel_custom_command

from pgmapcheck_drgn import _libinspect as li
from pgmapcheck_drgn import cli

__all__ = ("ARGUMENTS", "program_paths")

def _common() -> list:
    """libinspect's common options; none when it cannot be loaded (the
    command then says why when run)."""
    try:
        return cli.common_arguments()
    except OSError:
        return [("help", ("-h", "--help"),
                 {"action": "store_true", "help": "print this help"})]


_COMMON = _common()

#: The CLI's options (``pgmapcheck --help``) but -k/VMCORE, in drgn's form:
#: they make ``%help pgmapcheck`` and parse the command line.  All but -t
#: come from libinspect's table (li_option()), as in the CLI and crash.
ARGUMENTS = (
    argument("-t", "--types", metavar="SOURCE",
             choices=("auto", "dwarf", "btf"), default="auto",
             help="auto (default): drgn's types if it has the kernel's debug "
             "info, else btf; dwarf: drgn's debug info is required; btf: "
             "libinspect reads the kernel's BTF and kallsyms through drgn's "
             "memory, no vmlinux"),
    *(argument(*flags, **kw) for name, flags, kw in _COMMON
      if kw.get("dest") != "progress"),
    mutually_exclusive_group(
        *(argument(*flags, **kw) for name, flags, kw in _COMMON
          if kw.get("dest") == "progress")),
)

_DESCRIPTION = "check ZONE_DEVICE pages, dev_pagemaps and their vmemmap"

_LONG_DESCRIPTION = """\
Finds every dev_pagemap of the kernel (pgmap_array), checks each
ZONE_DEVICE struct page of its ranges against the kernel's refcount,
compound-page and pgmap invariants, and accounts for the vmemmap frames
behind them (shared tail pages, hugetlb HVO), in the dump or live kernel
drgn opened.  The verdicts, the text and the JSON report are the pgmapcheck
CLI's and the crash extension's (libinspect does every check)."""

_EPILOG = """\
return value: 0 when no finding reaches the --fail-on level, 1 when one
does (the CLI's exit status); usage and input errors are command errors.

|examples:
|  %pgmapcheck
|  %pgmapcheck --summary
|  %pgmapcheck --json > report.json
|  %pgmapcheck --pfn 0x20000-0x27fff --fail-on warning
|  %pgmapcheck --json | jq '.findings[].code'
|  status = run_command(prog, "pgmapcheck --json > report.json")

The helpers behind it: from pgmapcheck_drgn import * (check_pgmaps,
for_each_dev_pagemap, pgmap_of_pfn, vmemmap_savings); man pgmapcheck_drgn."""


def program_paths(prog: drgn.Program) -> Tuple[str, Optional[str]]:
    """
    The dump (``"live"`` for the running kernel) and the vmlinux *prog* was
    opened with, as the CLI names them in its report.
    """
    if prog.flags & drgn.ProgramFlags.IS_LIVE:
        source = "live"
    else:
        path = getattr(prog, "core_dump_path", None)
        source = os.path.abspath(path) if path else \
            cli._drgn_source_and_vmlinux(prog)[0]
    vmlinux = None
    try:
        vmlinux = prog.main_module().debug_file_path
    except (AttributeError, LookupError):
        pass
    if not vmlinux:
        vmlinux = cli._drgn_source_and_vmlinux(prog)[1]
    return source, vmlinux


def _write(report: li.Report, as_json: bool, flags: int) -> None:
    """The report through libinspect's writers into sys.stdout, whatever it
    is now (the terminal, a redirection, a pipe, a StringIO)."""
    with tempfile.TemporaryFile() as tmp:
        ret = report.write(tmp.fileno(), as_json, flags)
        if ret < 0:
            raise CommandError(
                f"pgmapcheck: writing the report: {li.strerror(ret)}")
        tmp.seek(0)
        text = tmp.read().decode(errors="replace")
    sys.stdout.write(text)
    sys.stdout.flush()


@linux_kernel_custom_command(
    name="pgmapcheck",
    description=_DESCRIPTION,
    long_description=_LONG_DESCRIPTION,
    epilog=_EPILOG,
    arguments=ARGUMENTS,
    parse=parse_shell_command,
)
def _cmd_pgmapcheck(prog: drgn.Program, name: str, args: Sequence[str], *,
                    parser: argparse.ArgumentParser, **kwargs: Any) -> int:
    ns = parser.parse_args(args)	# CommandArgumentError on a bad option
    if ns.help:
        sys.stdout.write(parser.format_help())
        return 0
    try:
        opts = cli.prepare(ns, "pgmapcheck")
    except cli.UsageError as e:
        raise CommandArgumentError(f"{name}: {e}") from None
    except OSError as e:
        raise CommandError(f"{name}: {e}") from None
    if isinstance(opts, int):
        return opts

    source, vmlinux = program_paths(prog)
    if ns.types != "btf":
        vmlinux = cli.load_cache_vmlinux(prog, vmlinux)
    try:
        target = cli.open_target(prog, source, vmlinux, ns.types, not ns.json)
    except (li.LibInspectError, ValueError) as e:
        raise CommandError(f"{name}: {e}") from None

    where = "live kernel" if source == "live" else source
    try:
        report = cli.check(target, ns, opts)
    except KeyboardInterrupt:
        raise CommandError(f"{name}: {where}: interrupted") from None
    except li.LibInspectError as e:
        raise CommandError(f"{name}: {where}: {e.message}") from None
    with report:
        _write(report, ns.json, cli.text_flags(ns))
        return report.exit_status(opts.fail_on)
