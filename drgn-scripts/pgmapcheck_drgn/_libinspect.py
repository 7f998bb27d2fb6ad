# SPDX-License-Identifier: LGPL-2.1-or-later
"""
ctypes binding of libinspect (libinspect/include/libinspect.h) with a
``struct li_target`` backed by a drgn :class:`~drgn.Program`.

Nothing here checks anything: libinspect walks, checks and accounts; this
module only answers its memory, type and symbol questions from drgn and hands
back the report.

Reads come from the core in large batches (megabytes of struct pages at a
time), so the per-call Python cost is small next to the copy.

When a read fails, drgn raises :class:`drgn.FaultError` whether the
address does not translate or its memory is not in the dump: the read
callback answers ``-LI_READ_FAULT`` and libinspect tells the two apart
itself, through its own page-table walker over this target's physical
reads (libinspect.h, LIBINSPECT_1.3).

VMCOREINFO: ``prog["VMCOREINFO"]`` on newer drgn; drgn 0.0.22 does not expose
it, so the kernel's own ``vmcoreinfo_note`` (the note the dump and
/proc/kcore carry) is read, then the dump file's own copy (its ELF note or
kdump header: what there is without debug info), then ``vmcoreinfo_data``.

Without kernel types in drgn (opened without a vmlinux), drgn supplies only
the memory: :meth:`DrgnTarget.li_target` then hands li_check the target of
``li_btf_target_open``, whose types come from the kernel's own BTF and
symbols from its kallsyms tables, both read by libinspect through this
target's memory callback.
"""

import ctypes
import ctypes.util
import errno
import json
import os
import struct
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple

import drgn

__all__ = (
    "LI_KVADDR",
    "LI_PHYSADDR",
    "LI_OPT_PGMAPS_ONLY",
    "LI_OPT_NO_VMEMMAP",
    "LI_OPT_NO_HUGETLB",
    "LI_OPT_NO_HOLDERS",
    "LI_TEXT_SUMMARY",
    "LI_TEXT_VERBOSE",
    "LibInspectError",
    "Options",
    "Report",
    "codes_text",
    "core_dump_path",
    "has_kernel_types",
    "vmcoreinfo_of_file",
    "file_build_id",
    "build_id_mismatch",
    "find_vmlinux",
    "DrgnTarget",
    "library",
    "run_check",
)

LI_JSON_SCHEMA_VERSION = 1	# the schema this binding was written for

LI_KVADDR = 0
LI_PHYSADDR = 1

# a failed read, not captured or invalid: libinspect tells which
LI_READ_FAULT = 4000

LI_OPT_PGMAPS_ONLY = 1 << 0
LI_OPT_NO_VMEMMAP = 1 << 1
LI_OPT_NO_HUGETLB = 1 << 2
LI_OPT_NO_HOLDERS = 1 << 3

LI_TEXT_SUMMARY = 1 << 0
LI_TEXT_VERBOSE = 1 << 1

LI_SEV_ERROR = 2
LI_FAIL_NEVER = LI_SEV_ERROR + 1
LI_EXIT_OK = 0
LI_EXIT_FINDINGS = 1
LI_EXIT_USAGE = 2
LI_EXIT_INTERRUPTED = 130
LI_CODES_JSON = 1 << 0

_READ_FN = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_uint64,
    ctypes.c_void_p, ctypes.c_size_t)
_TYPE_SIZE_FN = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p,
    ctypes.POINTER(ctypes.c_uint64))
_MEMBER_OFFSET_FN = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p,
    ctypes.POINTER(ctypes.c_uint64))
_ENUM_VALUE_FN = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p,
    ctypes.POINTER(ctypes.c_int64))
_SYMBOL_FN = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p,
    ctypes.POINTER(ctypes.c_uint64))
_VMCOREINFO_FN = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p,
    ctypes.c_size_t)
_PROGRESS_FN = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint64,
    ctypes.c_uint64)


class _TargetOps(ctypes.Structure):
    _fields_ = [
        ("read", _READ_FN),
        ("type_size", _TYPE_SIZE_FN),
        ("member_offset", _MEMBER_OFFSET_FN),
        ("enum_value", _ENUM_VALUE_FN),
        ("symbol_address", _SYMBOL_FN),
        ("symbol_size", _SYMBOL_FN),
        ("vmcoreinfo", _VMCOREINFO_FN),
    ]


class _Target(ctypes.Structure):
    _fields_ = [
        ("ops", ctypes.POINTER(_TargetOps)),
        ("ctx", ctypes.c_void_p),
        ("frontend", ctypes.c_char_p),
        ("source", ctypes.c_char_p),
        ("vmlinux", ctypes.c_char_p),
    ]


class _BtfTargetOpts(ctypes.Structure):
    _fields_ = [
        ("sz", ctypes.c_size_t),
        ("vmcoreinfo", ctypes.c_char_p),
    ]


class _Options(ctypes.Structure):
    _fields_ = [
        ("pgmap", ctypes.c_uint64),
        ("pfn_start", ctypes.c_uint64),
        ("pfn_end", ctypes.c_uint64),
        ("max_findings", ctypes.c_uint),
        ("flags", ctypes.c_uint),
        ("progress", _PROGRESS_FN),
        ("progress_arg", ctypes.c_void_p),
    ]


class _CodeInfo(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_char_p),
        ("severity", ctypes.c_int),
        ("summary", ctypes.c_char_p),
    ]


class _OptionInfo(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("letter", ctypes.c_int),
        ("arg", ctypes.c_char_p),
        ("help", ctypes.c_char_p),
        ("flags", ctypes.c_uint),
    ]


LI_OPTION_RUN = 1 << 0
LI_PROGRESS_ALWAYS = 1 << 0


class LibInspectError(Exception):
    """
    A libinspect call failed; ``errno`` is the positive error number,
    ``message`` libinspect's words (what the CLI prints).
    """

    def __init__(self, what: str, err: int, message: str) -> None:
        super().__init__(f"{what}: {message}")
        self.errno = err
        self.message = message


def _candidates() -> list:
    env = os.environ.get("LIBINSPECT")
    if env:
        return [env]
    # drgn-scripts/pgmapcheck_drgn/ -> repository root
    root = Path(__file__).resolve().parent.parent.parent
    paths = [str(root / "libinspect" / "build" / "libinspect.so.1")]
    found = ctypes.util.find_library("inspect")
    if found:
        paths.append(found)
    paths.append("libinspect.so.1")
    return paths


_lib: Optional[ctypes.CDLL] = None


def library() -> ctypes.CDLL:
    """
    Load libinspect once: ``$LIBINSPECT`` if set, else the repository's
    ``libinspect/build/libinspect.so.1``, else an installed
    ``libinspect.so.1``.
    """
    global _lib
    if _lib is not None:
        return _lib
    errors = []
    for path in _candidates():
        if "/" in path and not os.path.exists(path):
            errors.append(f"{path}: not found")
            continue
        try:
            lib = ctypes.CDLL(path)
            break
        except OSError as e:
            errors.append(str(e))
    else:
        raise OSError("cannot load libinspect (build it with `make -C "
                      "libinspect` or set $LIBINSPECT): " + "; ".join(errors))
    _declare(lib)
    _lib = lib
    return lib


def _declare(lib: ctypes.CDLL) -> None:
    lib.li_check.argtypes = [ctypes.POINTER(_Target), ctypes.POINTER(_Options),
                             ctypes.POINTER(ctypes.c_void_p)]
    lib.li_check.restype = ctypes.c_int
    lib.li_report_free.argtypes = [ctypes.c_void_p]
    lib.li_report_free.restype = None
    lib.li_report_json.argtypes = [ctypes.c_void_p]
    lib.li_report_json.restype = ctypes.c_void_p	# freed with li_free
    lib.li_free.argtypes = [ctypes.c_void_p]
    lib.li_free.restype = None
    lib.li_report_write_text.argtypes = [ctypes.c_void_p, ctypes.c_void_p,
                                         ctypes.c_uint]
    lib.li_report_write_text.restype = ctypes.c_int
    lib.li_report_write_json.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    lib.li_report_write_json.restype = ctypes.c_int
    lib.li_report_count.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.li_report_count.restype = ctypes.c_size_t
    lib.li_report_max_severity.argtypes = [ctypes.c_void_p]
    lib.li_report_max_severity.restype = ctypes.c_int
    lib.li_codes.argtypes = [ctypes.POINTER(ctypes.c_size_t)]
    lib.li_codes.restype = ctypes.POINTER(_CodeInfo)
    lib.li_severity_name.argtypes = [ctypes.c_int]
    lib.li_severity_name.restype = ctypes.c_char_p
    lib.li_strerror.argtypes = [ctypes.c_int]
    lib.li_strerror.restype = ctypes.c_char_p
    lib.li_version.argtypes = []
    lib.li_version.restype = ctypes.c_char_p
    # LIBINSPECT_1.2: the frontends' shared grammar, status and messages
    if not hasattr(lib, "li_parse_option"):
        raise OSError("this libinspect has no li_parse_option "
                      "(LIBINSPECT_1.2): rebuild or update it")
    lib.li_parse_option.argtypes = [
        ctypes.POINTER(_Options), ctypes.POINTER(ctypes.c_int),
        ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]
    lib.li_parse_option.restype = ctypes.c_int
    lib.li_exit_status.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.li_exit_status.restype = ctypes.c_int
    lib.li_check_error.argtypes = [ctypes.c_int]
    lib.li_check_error.restype = ctypes.c_char_p
    lib.li_last_error.argtypes = []
    lib.li_last_error.restype = ctypes.c_char_p
    lib.li_codes_text.argtypes = [ctypes.c_uint]
    lib.li_codes_text.restype = ctypes.c_void_p	# freed with li_free
    # LIBINSPECT_1.3: -LI_READ_FAULT from the read callback, dump files
    if not hasattr(lib, "li_dump_vmcoreinfo"):
        raise OSError("this libinspect has no li_dump_vmcoreinfo "
                      "(LIBINSPECT_1.3): rebuild or update it")
    lib.li_dump_vmcoreinfo.argtypes = [
        ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p,
        ctypes.c_size_t]
    lib.li_dump_vmcoreinfo.restype = ctypes.c_int
    for fn in (lib.li_file_build_id, lib.li_find_vmlinux):
        fn.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t,
                       ctypes.c_char_p, ctypes.c_size_t]
        fn.restype = ctypes.c_int
    lib.li_find_vmlinux.argtypes = [ctypes.c_char_p] + \
        lib.li_find_vmlinux.argtypes
    lib.li_check_build_id.argtypes = [ctypes.c_char_p, ctypes.c_char_p,
                                      ctypes.c_char_p, ctypes.c_size_t]
    lib.li_check_build_id.restype = ctypes.c_int
    if hasattr(lib, "li_dump_map_open"):	# LIBINSPECT_1.5
        lib.li_dump_map_open.argtypes = [
            ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p,
            ctypes.c_size_t]
        lib.li_dump_map_open.restype = ctypes.c_int
        lib.li_dump_map_captured.argtypes = [ctypes.c_void_p, ctypes.c_uint64,
                                             ctypes.c_uint64]
        lib.li_dump_map_captured.restype = ctypes.c_int
        lib.li_dump_map_close.argtypes = [ctypes.c_void_p]
        lib.li_dump_map_close.restype = None
    # LIBINSPECT_1.6: the common options as data, the progress line
    if not hasattr(lib, "li_option"):
        raise OSError("this libinspect has no li_option "
                      "(LIBINSPECT_1.6): rebuild or update it")
    lib.li_option.argtypes = [ctypes.c_size_t]
    lib.li_option.restype = ctypes.POINTER(_OptionInfo)
    lib.li_progress_new.argtypes = [ctypes.c_int, ctypes.c_uint,
                                    ctypes.c_void_p]
    lib.li_progress_new.restype = ctypes.c_void_p
    lib.li_progress_show.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                     ctypes.c_uint64, ctypes.c_uint64]
    lib.li_progress_show.restype = ctypes.c_int
    for fn in (lib.li_progress_clear, lib.li_progress_free):
        fn.argtypes = [ctypes.c_void_p]
        fn.restype = None
    if hasattr(lib, "li_btf_target_open"):	# LIBINSPECT_1.1
        lib.li_btf_target_open.argtypes = [
            ctypes.POINTER(_Target), ctypes.POINTER(_BtfTargetOpts),
            ctypes.POINTER(ctypes.POINTER(_Target)), ctypes.c_char_p,
            ctypes.c_size_t]
        lib.li_btf_target_open.restype = ctypes.c_int
        lib.li_btf_target_close.argtypes = [ctypes.POINTER(_Target)]
        lib.li_btf_target_close.restype = None


def strerror(err: int) -> str:
    """libinspect's message for a (negative or positive) error number."""
    return library().li_strerror(-abs(err)).decode()


def codes() -> list:
    """The table of finding codes: ``[(code, severity_name, summary)]``."""
    lib = library()
    n = ctypes.c_size_t()
    table = lib.li_codes(ctypes.byref(n))
    return [(table[i].code.decode(),
             lib.li_severity_name(table[i].severity).decode(),
             table[i].summary.decode()) for i in range(n.value)]


def codes_text(as_json: bool = False) -> str:
    """The table of codes as ``pgmapcheck --list-codes [--json]`` prints
    it (libinspect's li_codes_text)."""
    lib = library()
    p = lib.li_codes_text(LI_CODES_JSON if as_json else 0)
    if not p:
        raise MemoryError("li_codes_text")
    try:
        return ctypes.string_at(p).decode()
    finally:
        lib.li_free(p)


class OptionInfo(NamedTuple):
    """One of the options every frontend takes (li_option())."""
    name: str		# long name without "--"
    letter: Optional[str]	# short option letter, or None
    arg: Optional[str]	# the value's name ("LEVEL"), None: takes none
    help: str
    run: bool		# li_parse_option() takes it (Options.set)


def options() -> List[OptionInfo]:
    """The common options, in --help order (libinspect's li_option())."""
    lib = library()
    out = []
    i = 0
    while True:
        o = lib.li_option(i)
        if not o:
            return out
        o = o.contents
        out.append(OptionInfo(o.name.decode(),
                              chr(o.letter) if o.letter else None,
                              o.arg.decode() if o.arg else None,
                              o.help.decode(), bool(o.flags & LI_OPTION_RUN)))
        i += 1


class Progress:
    """
    libinspect's progress line on stderr (li_progress_*), the CLI's: by
    default on a terminal once a run lasts a second; *always* for
    --progress.  Call it as ``run_check``'s progress; :meth:`finish` erases
    the line.
    """

    def __init__(self, always: bool = False) -> None:
        self._lib = library()
        # ^C is Python's KeyboardInterrupt here, not a flag for the meter
        self._meter = self._lib.li_progress_new(
            2, LI_PROGRESS_ALWAYS if always else 0, None)

    def __call__(self, phase: str, done: int, total: int) -> bool:
        sys.stderr.flush()
        self._lib.li_progress_show(self._meter, phase.encode(), done, total)
        return False

    def finish(self) -> None:
        if self._meter:
            self._lib.li_progress_free(self._meter)
            self._meter = None


class Options:
    """
    The options of a run and the --fail-on level, set by their CLI long
    names through libinspect (li_parse_option): the grammar and the error
    messages are the CLI's and the crash extension's.
    """

    def __init__(self) -> None:
        self.c = _Options()
        self._fail_on = ctypes.c_int(LI_SEV_ERROR)

    def set(self, name: str, arg: Optional[str] = None) -> None:
        """Set option *name* ("pfn", "no-holders", ...); ValueError with
        libinspect's message (e.g. "--pfn: 'zz' is not a pfn ...")."""
        msg = ctypes.create_string_buffer(256)
        ret = library().li_parse_option(
            ctypes.byref(self.c), ctypes.byref(self._fail_on), name.encode(),
            None if arg is None else arg.encode(errors="surrogateescape"),
            msg, len(msg))
        if ret < 0:
            raise ValueError(msg.value.decode(errors="replace"))

    @property
    def fail_on(self) -> int:
        return self._fail_on.value

    def run_args(self) -> Dict[str, Any]:
        """run_check()'s keyword arguments for these options."""
        o = self.c
        return {"pgmap": o.pgmap,
                "pfn_range": (o.pfn_start, o.pfn_end)
                if o.pfn_start or o.pfn_end else None,
                "max_findings": o.max_findings, "flags": o.flags}


def has_kernel_types(prog: drgn.Program) -> bool:
    """Whether drgn has the kernel's types (its debug info)."""
    try:
        prog.type("struct page")
        return True
    except LookupError:
        return False


def core_dump_path(prog: drgn.Program) -> Optional[str]:
    """The file *prog* reads: /proc/kcore live, else the dump (drgn 0.3
    says; 0.0.22 does not: open_program() notes it, the drgn CLI has it on
    its command line)."""
    if prog.flags & drgn.ProgramFlags.IS_LIVE:
        return "/proc/kcore"
    path = (getattr(prog, "core_dump_path", None) or
            prog.cache.get("pgmapcheck_drgn.core_dump_path"))
    if not path:
        from pgmapcheck_drgn.cli import _drgn_source_and_vmlinux
        path = _drgn_source_and_vmlinux(prog)[0]
    return path if os.path.isabs(path) else None


def _dump_map(prog: drgn.Program) -> Optional[Callable[[int, int], int]]:
    """captured(pa, len) over libinspect's map of prog's ELF dump file, or
    None (live, not ELF, no file known, a libinspect before 1.5).  The map
    is freed with the program's cache."""
    cache = prog.cache
    if "pgmapcheck_drgn.dump_map" in cache:
        return cache["pgmapcheck_drgn.dump_map"]
    fn = None
    lib = library()
    path = None if prog.flags & drgn.ProgramFlags.IS_LIVE else \
        core_dump_path(prog)
    if path and hasattr(lib, "li_dump_map_open"):
        m = ctypes.c_void_p()
        if lib.li_dump_map_open(_fs(path), ctypes.byref(m), None, 0) == 0 \
                and m.value:
            handle = _DumpMap(lib, m)
            fn = handle.captured
    cache["pgmapcheck_drgn.dump_map"] = fn
    return fn


class _DumpMap:
    """Owns one li_dump_map; closed when the last reference goes."""

    def __init__(self, lib: Any, m: ctypes.c_void_p) -> None:
        self._lib, self._m = lib, m
        self._fn = lib.li_dump_map_captured

    def captured(self, pa: int, length: int) -> int:
        return self._fn(self._m, pa, length)

    def __del__(self) -> None:
        if self._m:
            self._lib.li_dump_map_close(self._m)
            self._m = None


def _fs(path: str) -> bytes:
    return os.fsencode(path)


def _errbuf() -> Any:
    return ctypes.create_string_buffer(1024)


def vmcoreinfo_of_file(path: str) -> str:
    """
    The VMCOREINFO text a dump file carries (its ELF note, or the copy in a
    kdump-compressed header), read by libinspect as the CLI reads it
    (li_dump_vmcoreinfo).  Raises ValueError with libinspect's message.
    """
    lib = library()
    out, msg = ctypes.c_void_p(), _errbuf()
    ret = lib.li_dump_vmcoreinfo(_fs(path), ctypes.byref(out), msg, len(msg))
    if ret < 0:
        raise ValueError(msg.value.decode(errors="replace") or strerror(ret))
    try:
        return ctypes.string_at(out.value).decode(errors="replace")
    finally:
        lib.li_free(out.value)


def file_build_id(path: str) -> Optional[str]:
    """The GNU build-id of an ELF file as lower-case hex (li_file_build_id),
    None when it has none or cannot be read."""
    hexid, msg = ctypes.create_string_buffer(128), _errbuf()
    if library().li_file_build_id(_fs(path), hexid, len(hexid), msg,
                                  len(msg)) < 0:
        return None
    return hexid.value.decode()


def build_id_mismatch(path: str, build_id: Optional[str]) -> Optional[str]:
    """libinspect's words when the ELF file at *path* is not the kernel of
    VMCOREINFO BUILD-ID *build_id* (li_check_build_id), else None."""
    msg = _errbuf()
    if library().li_check_build_id(_fs(path), (build_id or "").encode(),
                                   msg, len(msg)) < 0:
        return msg.value.decode(errors="replace")
    return None


def find_vmlinux(release: str,
                 build_id: Optional[str] = None) -> Tuple[Optional[str], str]:
    """
    The debug vmlinux of a kernel release where the CLI looks for it, of
    that build-id if given (li_find_vmlinux): ``(path, "")``, or
    ``(None, why)``.
    """
    path, msg = ctypes.create_string_buffer(4096), _errbuf()
    ret = library().li_find_vmlinux(
        release.encode(), build_id.encode() if build_id else None, path,
        len(path), msg, len(msg))
    if ret < 0:
        return None, msg.value.decode(errors="replace") or strerror(ret)
    return os.fsdecode(path.value), ""


_memmove = ctypes.memmove


class DrgnTarget:
    """
    A ``struct li_target`` whose callbacks are answered by a drgn program.

    The object owns the ctypes callbacks; keep it alive while libinspect may
    call them.  Every callback catches every exception and returns a negative
    errno: nothing may unwind through the C core.
    """

    def __init__(self, prog: drgn.Program, source: Optional[str] = None,
                 vmlinux: Optional[str] = None, types: str = "auto") -> None:
        """
        :param types: where types and symbols come from, as the CLI's
            --types: ``"dwarf"`` drgn's (its debug info), ``"btf"``
            libinspect's BTF and kallsyms read through drgn's memory,
            ``"auto"`` drgn's when it has ``struct page``, else BTF.
        """
        self._btf: Optional[Any] = None	# li_btf_target_open's target
        self._btf_mem: Optional[_Target] = None	# its memory: our reads
        self._text_source: Optional[bytes] = None
        if types not in ("auto", "dwarf", "btf"):
            raise ValueError(f"types: {types!r} is not auto, dwarf or btf")
        self.prog = prog
        self.types = types
        self.interrupted = False
        # Answers that cannot change for a program (types, symbols, absent
        # names, VMCOREINFO) are kept in prog.cache: every check after the
        # first skips drgn's slow lookups (a missing symbol scans the whole
        # symbol table).
        self._cache: Dict[str, Any] = prog.cache.setdefault(
            "pgmapcheck_drgn.lookups",
            {"types": {}, "offsets": {}, "enums": {}, "symbols": {},
             "vmcoreinfo": None, "vmcoreinfo_text": None})
        self._types: Dict[str, Any] = self._cache["types"]
        self._offsets: Dict[Tuple[bytes, bytes], int] = \
            self._cache["offsets"]
        self._enums: Dict[bytes, int] = self._cache["enums"]
        self._prog_read = prog.read
        # drgn serves a PT_LOAD past its p_filesz as zeroes (the ELF spec):
        # memory the dump tool left out, which libinspect's map of the
        # file tells; physical reads (struct pages by frame) ask it
        self._captured = _dump_map(prog)
        self._symbols: Dict[str, Optional[Tuple[int, Optional[int]]]] = \
            self._cache["symbols"]
        self._ops = _TargetOps(
            read=_READ_FN(self._read),
            type_size=_TYPE_SIZE_FN(self._guard(self._type_size)),
            member_offset=_MEMBER_OFFSET_FN(self._guard(self._member_offset)),
            enum_value=_ENUM_VALUE_FN(self._guard(self._enum_value)),
            symbol_address=_SYMBOL_FN(self._guard(self._symbol_address)),
            symbol_size=_SYMBOL_FN(self._guard(self._symbol_size)),
            vmcoreinfo=_VMCOREINFO_FN(self._guard(self._vmcoreinfo_cb)),
        )
        self._strings = [s.encode() if s is not None else None
                         for s in ("drgn", source, vmlinux)]
        self.target = _Target(ctypes.pointer(self._ops), None,
                              *self._strings)

    def __del__(self) -> None:
        if self._btf and _lib is not None:
            _lib.li_btf_target_close(self._btf)
            self._btf = None

    def uses_btf(self) -> bool:
        """Whether li_check gets libinspect's BTF/kallsyms target."""
        if self.types == "auto":
            return not has_kernel_types(self.prog)
        return self.types == "btf"

    def li_target(self) -> Any:
        """
        The ``struct li_target *`` to hand li_check: this one, or when
        :meth:`uses_btf`, libinspect's BTF and kallsyms over this one's
        memory (opened once).

        :raises LibInspectError: the kernel's BTF or kallsyms cannot be
            read (no CONFIG_DEBUG_INFO_BTF, a kernel before 6.0, ...).
        """
        if not self.uses_btf():
            return ctypes.pointer(self.target)
        if not self._btf:
            self._btf = self._open_btf()
        return self._btf

    def _open_btf(self) -> Any:
        lib = library()
        what = "types and symbols without a vmlinux"
        if not hasattr(lib, "li_btf_target_open"):
            raise LibInspectError(what, errno.ENOSYS,
                                  "this libinspect has no li_btf_target_open"
                                  " (LIBINSPECT_1.1): rebuild or update it")
        text = self.vmcoreinfo_text()
        # the whole note in one string: libinspect then asks no callback
        opts = _BtfTargetOpts(ctypes.sizeof(_BtfTargetOpts),
                              text.encode() if text else None)
        out = ctypes.POINTER(_Target)()
        msg = ctypes.create_string_buffer(1024)
        # The BTF (5 MB) and kallsyms tables are read through a Program of
        # their own on the same file, so that they do not fill the page
        # cache of the one being checked: with libkdumpfile 0.5.1 (drgn
        # 0.0.22) a full cache and one read of an excluded page make later
        # reads of a kdump-compressed file fail ("Decompresion failed").
        # Then the target's reads come to this program.
        scratch = self._scratch_program()
        reader = DrgnTarget(scratch) if scratch is not None else self
        self._btf_mem = _Target(ctypes.pointer(reader._ops), None,
                                *self._strings)
        ret = lib.li_btf_target_open(ctypes.pointer(self._btf_mem),
                                     ctypes.byref(opts), ctypes.byref(out),
                                     msg, len(msg))
        self._btf_mem.ops = ctypes.pointer(self._ops)
        if ret < 0:
            raise LibInspectError(what, -ret,
                                  msg.value.decode(errors="replace") or
                                  strerror(ret))
        return out

    def _scratch_program(self) -> Optional[drgn.Program]:
        path = core_dump_path(self.prog)
        if not path or self.prog.flags & drgn.ProgramFlags.IS_LIVE:
            return None
        try:
            prog = drgn.Program()
            prog.set_core_dump(path)
        except Exception:	# drgn raises plain Exception for bad files
            return None
        prog.cache["pgmapcheck_drgn.core_dump_path"] = path
        # the same file: its map of captured memory is shared, not reopened
        prog.cache["pgmapcheck_drgn.dump_map"] = _dump_map(self.prog)
        return prog

    def name_sources_in_text(self) -> None:
        """
        Without a vmlinux, the text report's first line says where types
        and symbols came from, as the CLI's does ("... (no vmlinux: types
        from the BTF of the dump, symbols from the kallsyms of the dump)").
        """
        t = self.li_target().contents
        v = (t.vmlinux or b"").decode()
        if not v.startswith("btf:") or "+kallsyms:" not in v:
            return
        words = {"dump": "the dump", "kcore": "kernel memory"}
        btf, ksyms = v[4:].split("+kallsyms:", 1)
        self._text_source = (
            f"{(t.source or b'').decode()} (no vmlinux: types from the BTF "
            f"of {words.get(btf, btf)}, symbols from the kallsyms of "
            f"{words.get(ksyms, ksyms)})").encode()
        t.source = self._text_source

    def _guard(self, fn: Callable[..., int],
               default: int = -errno.ENOENT) -> Callable[..., int]:
        def wrapper(*args: Any) -> int:
            try:
                return fn(*args)
            except (KeyError, LookupError, AttributeError, TypeError,
                    ValueError):
                return default
            except drgn.FaultError:
                return -errno.EFAULT
            except MemoryError:
                return -errno.ENOMEM
            except KeyboardInterrupt:
                self.interrupted = True	# run_check's progress cancels
                return -errno.EIO
            except BaseException:	# never unwind through C
                return -errno.EIO
        return wrapper

    # -- memory ---------------------------------------------------------

    def _read(self, ctx: int, space: int, addr: int, buf: int,
              length: int) -> int:
        # The hot callback: its own guard, no extra frame.
        try:
            if space == LI_KVADDR:
                physical = False
            elif space == LI_PHYSADDR:
                physical = True
                if self._captured and not self._captured(addr, length):
                    return -errno.ENODATA
            else:
                return -errno.EINVAL
            try:
                data = self._prog_read(addr, length, physical)
            except drgn.FaultError:
                return -LI_READ_FAULT
            _memmove(buf, data, length)
            return 0
        except KeyboardInterrupt:
            self.interrupted = True
            return -errno.EIO
        except BaseException:
            return -errno.EIO

    # -- types ----------------------------------------------------------

    def _type(self, name: str) -> drgn.Type:
        t = self._types.get(name)
        if t is None:
            t = self.prog.type(name)
            self._types[name] = t
        return t

    def _type_size(self, ctx: int, name: bytes, out: Any) -> int:
        t = self._type(name.decode())
        size = t.size
        if size is None:
            return -errno.ENOENT
        out[0] = size
        return 0

    def _member_offset(self, ctx: int, name: bytes, member: bytes,
                       out: Any) -> int:
        key = (name, member)
        off = self._offsets.get(key)
        if off is None:
            t = self._type(name.decode())
            # drgn resolves dotted paths and anonymous members itself.
            off = drgn.offsetof(t, member.decode())
            self._offsets[key] = off
        out[0] = off
        return 0

    def _enum_value(self, ctx: int, name: bytes, out: Any) -> int:
        value = self._enums.get(name)
        if value is None:
            # drgn's constants are the DWARF enumerators (of any enum).
            obj = self.prog.constant(name.decode())
            if obj.type_.kind != drgn.TypeKind.ENUM:
                return -errno.ENOENT
            value = self._enums[name] = obj.value_()
        out[0] = value
        return 0

    def _symbol(self, name: str) -> Tuple[int, Optional[int]]:
        """
        (address, size) of a symbol.  drgn 0.0.22's prog.symbol(name) scans
        the whole symbol table (milliseconds a call), so variables and
        functions come from the DWARF index first (prog[name]: hashed, KASLR
        relocated), then VMCOREINFO's SYMBOL(name), then the symbol table
        (assembler symbols such as init_top_pgt, names without DWARF).
        A function found in DWARF is taken as is, even if the symbol table
        names its only out-of-line copy differently (``name.isra.0``): for
        libinspect's feature probes the function's existence is what counts
        (tests/drgn.t compares every report with the CLI's).
        """
        if name in self._symbols:
            hit = self._symbols[name]
            if hit is None:
                raise LookupError(name)
            return hit
        prog = self.prog
        try:
            obj = prog[name]
            addr = obj.address_
        except (KeyError, LookupError):
            addr = None
        if addr is not None:
            # A function's size is left to the symbol table (rarely asked).
            try:
                size: Optional[int] = drgn.sizeof(obj.type_)
            except (TypeError, ValueError):	# functions, incomplete types
                size = None
            hit = (addr, size)
        else:
            vmci = self.vmcoreinfo().get(f"SYMBOL({name})")
            if vmci is not None:
                hit = (int(vmci, 16), None)
            else:
                try:
                    sym = prog.symbol(name)
                except LookupError:
                    self._symbols[name] = None
                    raise
                hit = (sym.address, sym.size)
        self._symbols[name] = hit
        return hit

    def _symbol_address(self, ctx: int, name: bytes, out: Any) -> int:
        out[0] = self._symbol(name.decode())[0]
        return 0

    def _symbol_size(self, ctx: int, name: bytes, out: Any) -> int:
        addr, size = self._symbol(name.decode())
        if size is None:
            size = self.prog.symbol(name.decode()).size
        out[0] = size
        return 0

    # -- VMCOREINFO -----------------------------------------------------

    def _vmcoreinfo_text(self) -> str:
        prog = self.prog
        try:	# newer drgn exposes the dump's note
            return prog["VMCOREINFO"].string_().decode(errors="replace")
        except (KeyError, LookupError, drgn.FaultError, ValueError):
            pass
        # drgn 0.0.22: the kernel's own ELF note (kernel/crash_core.c),
        # which is what the dump and /proc/kcore carry; then its source
        # buffer (makedumpfile may filter that page out).
        try:
            return self._vmcoreinfo_note()
        except (KeyError, LookupError, drgn.FaultError, ValueError):
            pass
        path = core_dump_path(prog)
        if path:
            try:
                return vmcoreinfo_of_file(path)
            except (OSError, ValueError):
                pass
        data = prog["vmcoreinfo_data"].value_()
        size = prog["vmcoreinfo_size"].value_()
        if not data or not 0 < size <= 1 << 16:
            return ""
        return prog.read(data, size).decode(errors="replace")

    def _vmcoreinfo_note(self) -> str:
        note = self.prog["vmcoreinfo_note"].value_()
        namesz, descsz = struct.unpack("<II", self.prog.read(note, 8))
        if namesz != len(b"VMCOREINFO\0") or not 0 < descsz <= 1 << 16:
            raise ValueError("bad VMCOREINFO note")
        name = self.prog.read(note + 12, namesz)
        if name != b"VMCOREINFO\0":
            raise ValueError("bad VMCOREINFO note")
        desc = note + 12 + ((namesz + 3) & ~3)
        return self.prog.read(desc, descsz).decode(errors="replace")

    def vmcoreinfo_text(self) -> str:
        """The VMCOREINFO note's text ("" if it cannot be found)."""
        if self._cache["vmcoreinfo_text"] is None:
            try:
                text = self._vmcoreinfo_text().split("\0", 1)[0]
            except (KeyError, LookupError, drgn.FaultError, ValueError):
                text = ""
            self._cache["vmcoreinfo_text"] = text
        return self._cache["vmcoreinfo_text"]

    def vmcoreinfo(self) -> Dict[str, str]:
        """VMCOREINFO as a dict (empty if it cannot be found)."""
        if self._cache["vmcoreinfo"] is None:
            info: Dict[str, str] = {}
            for line in self.vmcoreinfo_text().splitlines():
                key, sep, val = line.partition("=")
                if sep:
                    info[key] = val
            self._cache["vmcoreinfo"] = info
        return self._cache["vmcoreinfo"]

    def _vmcoreinfo_cb(self, ctx: int, key: bytes, buf: int,
                       length: int) -> int:
        val = self.vmcoreinfo().get(key.decode())
        if val is None:
            return -errno.ENOENT
        raw = val.encode()
        if len(raw) + 1 > length:
            return -errno.EINVAL
        ctypes.memmove(buf, raw + b"\0", len(raw) + 1)
        return 0


class Report:
    """
    A ``struct li_report``: free with :meth:`close` (or use ``with``).
    :meth:`json` is the parsed JSON document of libinspect's schema.
    """

    def __init__(self, lib: ctypes.CDLL, handle: int) -> None:
        self._lib = lib
        self._handle: Optional[int] = handle
        self._json: Optional[dict] = None

    def __enter__(self) -> "Report":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()

    def close(self) -> None:
        if self._handle:
            self._lib.li_report_free(self._handle)
            self._handle = None

    def _h(self) -> int:
        if not self._handle:
            raise ValueError("report is closed")
        return self._handle

    def json_text(self) -> str:
        p = self._lib.li_report_json(self._h())
        if not p:
            raise MemoryError("li_report_json")
        try:
            return ctypes.string_at(p).decode()
        finally:
            self._lib.li_free(p)

    def json(self) -> dict:
        if self._json is None:
            self._json = json.loads(self.json_text())
        return self._json

    def max_severity(self) -> int:
        return self._lib.li_report_max_severity(self._h())

    def count(self, severity: int) -> int:
        return self._lib.li_report_count(self._h(), severity)

    def exit_status(self, fail_on: int = LI_SEV_ERROR) -> int:
        """The CLI's exit status for this report and a --fail-on level."""
        return self._lib.li_exit_status(self._h(), fail_on)

    def write(self, fd: int, as_json: bool, text_flags: int = 0) -> int:
        """Write through libinspect's own writers to a file descriptor."""
        libc = _libc()
        fp = libc.fdopen(os.dup(fd), b"w")
        if not fp:
            raise OSError(ctypes.get_errno(), "fdopen")
        try:
            if as_json:
                ret = self._lib.li_report_write_json(self._h(), fp)
            else:
                ret = self._lib.li_report_write_text(self._h(), fp,
                                                     text_flags)
        finally:
            libc.fclose(fp)
        return ret


_libc_handle: Optional[ctypes.CDLL] = None


def _libc() -> ctypes.CDLL:
    global _libc_handle
    if _libc_handle is None:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6",
                           use_errno=True)
        libc.fdopen.argtypes = [ctypes.c_int, ctypes.c_char_p]
        libc.fdopen.restype = ctypes.c_void_p
        libc.fclose.argtypes = [ctypes.c_void_p]
        libc.fclose.restype = ctypes.c_int
        _libc_handle = libc
    return _libc_handle


ProgressFn = Callable[[str, int, int], bool]


def run_check(target: DrgnTarget, pgmap: int = 0,
              pfn_range: Optional[tuple] = None, max_findings: int = 0,
              flags: int = 0,
              progress: Optional[ProgressFn] = None) -> Report:
    """
    Run ``li_check`` on a drgn-backed target.

    :param pgmap: check only this ``struct dev_pagemap`` address (0: all).
    :param pfn_range: ``(start, end)`` inclusive, or None for all pfns.
    :param max_findings: findings stored per code (0: libinspect's default).
    :param flags: ``LI_OPT_*``.
    :param progress: ``progress(phase, done, total)``; return True to cancel.
    :raises LibInspectError: li_check failed (``-EINTR`` when cancelled).
    """
    lib = library()
    opts = _Options()
    opts.pgmap = pgmap
    if pfn_range is not None:
        opts.pfn_start, opts.pfn_end = pfn_range
    opts.max_findings = max_findings
    opts.flags = flags
    # Always installed: Ctrl-C seen in any callback cancels the walk.
    def _progress(arg: int, phase: bytes, done: int, total: int) -> int:
        try:
            if target.interrupted:
                return 1
            if progress is not None and progress(phase.decode(), done,
                                                 total):
                return 1
            return 0
        except BaseException:
            target.interrupted = True
            return 1
    cb = _PROGRESS_FN(_progress)
    opts.progress = cb
    target.interrupted = False
    out = ctypes.c_void_p()
    ret = lib.li_check(target.li_target(), ctypes.byref(opts),
                       ctypes.byref(out))
    if ret < 0:
        if target.interrupted:
            raise KeyboardInterrupt
        # li_last_error's words when there are any, as the CLI prints them
        raise LibInspectError("li_check", -ret,
                              lib.li_check_error(ret).decode(
                                  errors="replace"))
    return Report(lib, out.value)
