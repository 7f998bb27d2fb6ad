#!/usr/bin/python3
# drgn frontend on the dump corpus: for every dump drgn can open, the drgn
# script's JSON report (findings, pgmaps, vmemmap, summary) equals the CLI's
# on the same dump (ignoring "target" and timings) and so does its exit
# status; the helpers return what the manifest says (pgmap addresses, types,
# ranges, pgmap_of_pfn of the injected pfns) and report every injected fault.
#
# The same program runs on the host (python3-drgn 0.0.22) and in the sid
# chroot (drgn 0.3, tests/sid.t), chosen by the environment (defaults: the
# host's):
#   PGMAPCHECK_BUILD=build-sid   the CLI and libinspect.so.1 of libinspect/<it>/
#   PGMAPCHECK_TOOLSET=sid       test names start with "sid/"
#   PGMAPCHECK_MUST_OPEN=1       drgn must open every dump
# A dump bare drgn cannot open (core dump, vmlinux, one read) is skipped with
# drgn's own error, unless PGMAPCHECK_MUST_OPEN=1: then it is a failure.
#
# Without a vmlinux (issue #10), on every dump and whatever
# PGMAPCHECK_SCENARIOS says: drgn opened with the dump alone (no -s, no
# vmlinux in $PGMAPCHECK_CACHE, none in the system places, no debuginfod)
# supplies only memory, libinspect reads the kernel's BTF and kallsyms
# through it.  The drgn script's JSON must equal the CLI's DWARF run but for
# "target" (which must say "btf:dump+kallsyms:dump") and what BTF cannot
# know (WEAKER, as tests/btf.t), and the CLI's --types btf run exactly; the
# helpers on a Program without debug info must return what the manifest and
# the CLI say; on drgn 0.3 the %pgmapcheck command too.
import gc
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testlib  # noqa: E402
from testlib import ROOT, CACHE, BUILD, MUST_OPEN, CLI, PREFIX  # noqa: E402
from testlib import report as check, skip  # noqa: E402
from testlib import stable as normalize  # noqa: E402

LIB = os.path.join(ROOT, "libinspect", BUILD, "libinspect.so.1")
# the binding (here and in the drgn script's processes) loads this build's
os.environ["LIBINSPECT"] = LIB
SCRIPT = os.path.join(ROOT, "drgn-scripts/pgmapcheck.py")
DRGN = "/usr/bin/drgn"
TIMEOUT = 900
sys.path.insert(0, os.path.join(ROOT, "drgn-scripts"))


def not_ok(name, why):
    check(name, False, why)


def addr(v):
    return v if isinstance(v, int) else int(v, 0)


def first_difference(a, b, path="$"):
    return testlib.first_difference(a, b, path, ("cli", "drgn"))


def run_json(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        doc = None
    return p.returncode, doc, p.stderr.strip()


# Bare drgn on a dump: the core, the vmlinux, one read through the kernel's
# page tables.  In a process of its own, so that a drgn that dies on a
# kernel it does not know takes only the probe with it.
OPEN_PROBE = """
import sys, drgn
try:
    prog = drgn.Program()
    prog.set_core_dump(sys.argv[1])
    prog.load_debug_info([sys.argv[2]])
    prog["init_uts_ns"].name.release.string_()
except Exception as e:
    sys.exit("drgn %s: %s: %s" % (drgn.__version__, type(e).__name__, e))
"""


def drgn_cannot_open(path, vmlinux):
    """None if drgn opens the dump, else drgn's own error: trying is the
    only test of support (0.0.22 cannot read makedumpfile's flattened
    format, for one)."""
    p = subprocess.run([sys.executable, "-c", OPEN_PROBE, path, vmlinux],
                       capture_output=True, text=True, timeout=TIMEOUT)
    if p.returncode == 0:
        return None
    lines = p.stderr.strip().splitlines()
    return lines[-1] if lines else f"exit status {p.returncode}"


def cannot_open(name, why):
    """A dump drgn cannot open: skipped, or a failure where it must."""
    if MUST_OPEN:
        not_ok(f"{name} drgn-open", why)
    else:
        skip(name, why)


def dump_path(man_dir, p):
    return p if os.path.isabs(p) else os.path.join(man_dir, p)


def vmlinux_of(man):
    k = man.get("kernel", {})
    v = k.get("vmlinux")
    if v and not os.path.isabs(v):
        v = os.path.join(CACHE, v)
    if not v or not os.path.exists(v):
        v = os.path.join(CACHE, "kernels", k.get("release", ""), "vmlinux")
    return v


def covering_pgmap(man, pfn):
    for pg in man.get("pgmaps", ()):
        for r in pg.get("ranges", ()):
            if r["start_pfn"] <= pfn <= r["end_pfn"]:
                return addr(pg["address"])
    return None


# One drgn CLI process per dump ("drgn -q -c DUMP -s VMLINUX tests/drgn.t
# --inner SPEC"), one DWARF load: drgn runs this file as it runs any script,
# with its Program in our globals as ``prog``; inner() runs the drgn script
# there as drgn would run it (runpy, prog in its globals, sys.argv set; its
# stdout, stderr and exit status into files), once per set of options, then
# the helper and binding checks on the same Program, their lines on stdout.
def to_files(base, fn):
    """fn() with fds 1 and 2 in BASE.out / BASE.err, its status in BASE.rc."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(base + ".out", "w") as o, open(base + ".err", "w") as e:
        os.dup2(o.fileno(), 1)
        os.dup2(e.fileno(), 2)
        try:
            rc = fn()
        except SystemExit as ex:
            rc = ex.code if isinstance(ex.code, int) else \
                (0 if ex.code is None else 1)
            if not isinstance(ex.code, (int, type(None))):
                print(ex.code, file=sys.stderr)
        except BaseException:	# noqa: BLE001 - as drgn: exit 1
            import traceback
            traceback.print_exc()
            rc = 1
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])
    with open(base + ".rc", "w") as f:
        f.write("%d\n" % (rc or 0))


def inner(prog, spec_path):
    """In the drgn process: the runs and checks spec_path asks for."""
    import runpy
    gc.disable()	# see main()
    with open(spec_path) as f:
        spec = json.load(f)
    for run in spec["runs"]:
        sys.argv = [SCRIPT] + run["argv"]
        to_files(run["base"], lambda: runpy.run_path(
            SCRIPT, init_globals={"prog": prog}, run_name="__main__") and 0)
    name, man = spec["name"], spec["manifest"]
    for what in spec["checks"]:
        try:
            if what == "helpers":
                check_helpers(name, man, spec["dump"], spec["vmlinux"],
                              spec["cli"], prog)
            elif what.startswith("binding:"):	# binding:FORMAT
                check_binding(name, man, prog, spec["vmlinux"],
                              what.split(":", 1)[1])
        except Exception as e:		# noqa: BLE001
            not_ok(name, f"{what}: {type(e).__name__}: {e}")
    print("# inner done", flush=True)


def drgn_runs(name, dump, vmlinux, argvs, man=None, checks=(), cli=None):
    """One drgn CLI process on dump: the drgn script with each argv of
    argvs, then checks ("helpers", "binding:FORMAT").  Returns the script's
    (exit status, stdout, stderr) per argv and the checks' lines."""
    work = tempfile.mkdtemp(prefix="drgn-t.")
    try:
        runs = [{"base": os.path.join(work, str(i)), "argv": a}
                for i, a in enumerate(argvs)]
        spec = os.path.join(work, "spec.json")
        with open(spec, "w") as f:
            json.dump({"runs": runs, "checks": list(checks), "name": name,
                       "manifest": man, "dump": dump, "vmlinux": vmlinux,
                       "cli": cli}, f)
        p = subprocess.run([DRGN, "-q", "-c", dump, "-s", vmlinux,
                            os.path.abspath(__file__), "--inner", spec],
                           capture_output=True, text=True, timeout=TIMEOUT)
        out = []
        for r in runs:
            try:
                with open(r["base"] + ".rc") as f:
                    rc = int(f.read())
                with open(r["base"] + ".out") as f:
                    so = f.read()
                with open(r["base"] + ".err") as f:
                    se = f.read()
            except (OSError, ValueError):
                # drgn did not get to the script: its own status and error
                rc, so, se = p.returncode, "", p.stderr
            out.append((rc, so, se.strip()))
        lines = [ln for ln in p.stdout.splitlines()
                 if ln.startswith(("ok ", "not ok ", "skip "))]
        if checks and "# inner done" not in p.stdout:
            lines.append(f"not ok {PREFIX}{name} drgn-checks - the drgn "
                         f"process ended early, exit {p.returncode}: "
                         f"{' '.join(p.stderr.split())[-300:]}")
        return out, lines
    finally:
        shutil.rmtree(work, ignore_errors=True)


def json_of(text):
    try:
        return json.loads(text)
    except ValueError:
        return None


def compare_frontends(name, dump, vmlinux, man=None, checks=(),
                      options=None):
    """The CLI's document; False if bare drgn cannot open the dump.
    checks: the helper/binding checks to run in the same drgn process;
    options: the manifest's faults, to compare the CLI's options too."""
    rc_cli, cli, err_cli = run_json([CLI, "--json", "--no-progress",
                                     "-k", vmlinux, dump])
    variants = option_variants(options) if options and cli else []
    res, lines = drgn_runs(name, dump, vmlinux,
                           [["--json", "--no-progress"]] +
                           [["--no-progress"] + v for v in variants],
                           man, checks, cli)
    rc_drgn, out_drgn, err_drgn = res[0]
    drg = json_of(out_drgn)
    if drg is None:
        # no report: bare drgn may not open this dump at all (its own
        # error, asked only now: each probe loads the vmlinux again)
        why = drgn_cannot_open(dump, vmlinux)
        if why is not None:
            cannot_open(name, why)
            return False
    if cli is None:
        not_ok(f"{name} cli-json", f"exit {rc_cli}: {err_cli}")
    elif check(f"{name} drgn-json", drg is not None,
             f"exit {rc_drgn}: {err_drgn}"):
        check(f"{name} drgn-exit-status", rc_drgn == rc_cli,
              f"drgn {rc_drgn} != cli {rc_cli}")
        check(f"{name} drgn-target", drg.get("target", {}).get("frontend")
              == "drgn", f"target {drg.get('target')}")
        a, b = normalize(cli), normalize(drg)
        for part in ("findings", "pgmaps", "vmemmap", "summary"):
            check(f"{name} drgn-equals-cli-{part}",
                  a.get(part) == b.get(part),
                  first_difference(a.get(part), b.get(part), part))
        check(f"{name} drgn-equals-cli-document", a == b,
              first_difference(a, b))
    if variants:
        compare_options(name, dump, vmlinux, variants, res[1:])
    for ln in lines:
        print(ln, flush=True)
    return cli


def run_text(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
    return p.returncode, p.stdout


def option_variants(faults):
    """The CLI's options compared through the drgn script: text writer
    (plain, -v, -s), --pgmap/--pfn/--max-findings in JSON, every --fail-on
    level."""
    variants = [[], ["-v"], ["-s"], ["--fail-on", "warning"],
                ["-f", "info"], ["--fail-on", "never"]]
    # a pgmap and a pfn window holding several injected faults, so that
    # --max-findings 1 truncates
    f0 = faults[0]
    pfns = [f["pfn"] for f in faults if f["pgmap"] == f0["pgmap"]]
    lo, hi = min(pfns) & ~511, max(pfns) | 511
    variants.append(["--json", "--pgmap", f0["pgmap"], "--pfn",
                     f"{lo:#x}-{hi:#x}", "--max-findings", "1"])
    variants.append(["-j", "-P", str(f0["pfn"]), "-m", "1", "--no-vmemmap"])
    return variants


def compare_options(name, dump, vmlinux, variants, drgn_results):
    """The CLI's options give the same output and exit status through the
    drgn script (drgn_results: the script's runs with variants, in the
    same drgn process)."""
    cli_cmd = [CLI, "--no-progress", "-k", vmlinux]
    for opts, (rc, so, _) in zip(variants, drgn_results):
        a = run_text(cli_cmd + opts + [dump])
        b = (rc, so)
        if "--json" in opts or "-j" in opts:
            try:
                a = (a[0], normalize(json.loads(a[1])))
                b = (b[0], normalize(json.loads(b[1])))
            except ValueError as e:
                b = (b[0], f"bad JSON: {e}")
        check(f"{name} drgn-option {' '.join(opts) or '(text)'}", a == b,
              f"exit {b[0]} vs cli {a[0]}; "
              f"{first_difference(a[1], b[1]) if a[1] != b[1] else ''}")


def check_helpers(name, man, dump, vmlinux, cli, prog=None):
    """The helpers on prog (default: the dump opened with vmlinux); a prog
    without debug info gets libinspect's BTF and kallsyms."""
    import drgn

    import pgmapcheck_drgn as h
    from pgmapcheck_drgn._libinspect import has_kernel_types
    from pgmapcheck_drgn.cli import open_program

    if prog is None:
        prog = open_program(dump, vmlinux)
    typed = has_kernel_types(prog)
    infos = {i.address: i for i in h.dev_pagemap_info(prog)}
    want = {addr(p["address"]): p for p in man.get("pgmaps", ())}
    if cli and not cli.get("registry", {}).get("complete", True):
        # the dump lacks part of pgmap_array (STRUCT_NOT_CAPTURED): the
        # helpers must see what the CLI sees, not more
        seen = {addr(p["address"]) for p in cli.get("pgmaps", ())}
        want = {a: p for a, p in want.items() if a in seen}
    check(f"{name} helper-pgmap-addresses", set(infos) == set(want),
          f"helpers {sorted(map(hex, infos))} manifest "
          f"{sorted(map(hex, want))}")
    bad = []
    for a, p in want.items():
        i = infos.get(a)
        if i is None:
            continue
        ranges = tuple((r["start_pfn"], r["end_pfn"]) for r in p["ranges"])
        if i.type != p["type"] or i.ranges != ranges:
            bad.append(f"{a:#x}: {i.type} {i.ranges} != {p['type']} {ranges}")
        if "vmemmap_shift" in p and i.vmemmap_shift != p["vmemmap_shift"]:
            bad.append(f"{a:#x}: shift {i.vmemmap_shift}")
        if "altmap" in p and i.altmap != bool(p["altmap"]):
            bad.append(f"{a:#x}: altmap {i.altmap}")
    check(f"{name} helper-pgmap-type-ranges", not bad, "; ".join(bad))

    objs = list(h.for_each_dev_pagemap(prog))
    types_ok = all(str(o.type_) == "struct dev_pagemap *" for o in objs)
    # Read through drgn itself: each object really is that pgmap (without
    # debug info drgn cannot: the struct is incomplete).
    try:
        nr = {o.value_(): o.nr_range.value_() for o in objs} if typed else {}
        nr_ok = all(nr[a] == len(want[a]["ranges"]) for a in want if a in nr)
    except drgn.FaultError as e:
        nr_ok, nr = False, str(e)
    check(f"{name} helper-for_each_dev_pagemap",
          types_ok and nr_ok and {o.value_() for o in objs} == set(want),
          f"objects {[hex(o.value_()) for o in objs]} nr_range {nr}")

    faults = man.get("faults", ())
    bad = []
    for f in faults:
        got = h.pgmap_of_pfn(prog, f["pfn"])
        exp = covering_pgmap(man, f["pfn"])
        got = None if got is None else got.value_()
        if got != exp:
            bad.append(f"pfn {f['pfn']:#x}: {got} != {exp}")
    if want:
        some = next(iter(want.values()))["ranges"][0]["start_pfn"]
        got = h.pgmap_of_pfn(prog, some)
        if got is None or got.value_() != covering_pgmap(man, some):
            bad.append(f"range start {some:#x}: {got}")
    if h.pgmap_of_pfn(prog, 0) is not None:
        bad.append("pfn 0 has a pgmap")
    check(f"{name} helper-pgmap_of_pfn", not bad, "; ".join(bad))

    result = h.check_pgmaps(prog)
    seen = {(f.code, f.pfn) for f in result.findings}
    missing = [f"{f['code']}@{f['pfn']:#x}" for f in faults
               if (f["code"], f["pfn"]) not in seen]
    check(f"{name} helper-check_pgmaps-faults", not missing,
          f"not reported: {missing}")
    injected = {(f["code"], f["pfn"]) for f in faults}
    extra = [f"{f.code}@{f.pfn}" for f in result.errors()
             if (f.code, f.pfn) not in injected]
    check(f"{name} helper-check_pgmaps-no-other-errors", not extra,
          f"unexpected errors: {extra[:10]}")
    if cli is not None:
        cli_f = [(f["code"], f.get("pfn")) for f in cli.get("findings", ())]
        check(f"{name} helper-check_pgmaps-equals-cli",
              [(f.code, f.pfn) for f in result.findings] == cli_f,
              f"{len(result.findings)} findings vs cli {len(cli_f)}")
        rows = [(v.pgmap, v.vmemmap_pages, v.frames)
                for v in h.vmemmap_savings(prog)]
        cli_rows = [(h._addr(v.get("pgmap")), v.get("vmemmap_pages"),
                     v.get("frames"))
                    for v in h._vmemmap_rows(cli)]
        check(f"{name} helper-vmemmap_savings-equals-cli",
              rows == cli_rows and len(rows) >= len(want),
              f"{rows} vs cli {cli_rows}")


def check_binding(name, man, prog, vmlinux, fmt):
    """The li_target callbacks themselves, called as libinspect calls them:
    errno conventions, the plain read fault, no exception through ctypes,
    cancellation."""
    import ctypes
    import errno

    import drgn

    from pgmapcheck_drgn import _libinspect as li
    t = li.DrgnTarget(prog)
    ops = t._ops
    u64, i64 = ctypes.c_uint64(), ctypes.c_int64()
    buf = ctypes.create_string_buffer(4096)
    got = {
        "size page": (ops.type_size(None, b"struct page", ctypes.byref(u64)),
                      u64.value),
        "size nonexistent": ops.type_size(None, b"struct no_such_type",
                                          ctypes.byref(u64)),
        "off ref.data": (ops.member_offset(None, b"struct dev_pagemap",
                                           b"ref.data", ctypes.byref(u64)),
                         u64.value),
        "off flags.f": ops.member_offset(None, b"struct page", b"flags.f",
                                         ctypes.byref(u64)),
        "enum ZONE_DEVICE": (ops.enum_value(None, b"ZONE_DEVICE",
                                            ctypes.byref(i64)), i64.value),
        "enum nonexistent": ops.enum_value(None, b"NO_SUCH_ENUMERATOR",
                                           ctypes.byref(i64)),
        "sym nonexistent": ops.symbol_address(None, b"no_such_symbol",
                                              ctypes.byref(u64)),
        "read bad space": ops.read(None, 7, 0, buf, 8),
        "read non-canonical": ops.read(None, li.LI_KVADDR,
                                       0x8000000000000000, buf, 8),
        # the guard hole at the start of the kernel half is never mapped
        "read unmapped": ops.read(None, li.LI_KVADDR, 0xFFFF800000000000,
                                  buf, 64),
        "vmcoreinfo tiny buffer": ops.vmcoreinfo(None, b"OSRELEASE", buf, 2),
    }
    ret = ops.vmcoreinfo(None, b"OSRELEASE", buf, len(buf))
    got["vmcoreinfo OSRELEASE"] = (ret, buf.value.decode())
    sym = prog.symbol("pgmap_array")
    ret = ops.symbol_address(None, b"pgmap_array", ctypes.byref(u64))
    got["sym pgmap_array"] = (ret, u64.value == sym.address)
    want = {
        "size page": (0, 64),
        "size nonexistent": -errno.ENOENT,
        "off ref.data": (0, drgn.offsetof(prog.type("struct dev_pagemap"),
                                          "ref.data")),
        "off flags.f": -errno.ENOENT,
        "enum ZONE_DEVICE": (0, prog.constant("ZONE_DEVICE").value_()),
        "enum nonexistent": -errno.ENOENT,
        "sym nonexistent": -errno.ENOENT,
        "read bad space": -errno.EINVAL,
        # drgn cannot tell these from memory not captured: libinspect does
        "read non-canonical": -li.LI_READ_FAULT,
        "read unmapped": -li.LI_READ_FAULT,
        "vmcoreinfo tiny buffer": -errno.EINVAL,
        "vmcoreinfo OSRELEASE": (0, man["kernel"]["release"]),
        "sym pgmap_array": (0, True),
    }
    bad = [f"{k}: {got[k]} != {want[k]}" for k in want if got[k] != want[k]]
    check(f"{name} binding-callbacks", not bad, "; ".join(bad))

    # A page the dump does not hold, physically and through the direct map:
    # the plain fault both times (libinspect tells them apart: unit-core's
    # plain-fault tests, and every report compared with the CLI's), but a
    # physical read of an ELF dump the binding answers itself from
    # libinspect's map of the file (li_dump_map): not captured.
    pob = prog["page_offset_base"].value_()
    missing = None
    for pfn in range(1 << 8, 1 << 20):
        try:
            prog.read(pfn << 12, 8, True)
        except drgn.FaultError:
            missing = pfn
            break
    if missing is not None:
        codes = (ops.read(None, li.LI_PHYSADDR, missing << 12, buf, 8),
                 ops.read(None, li.LI_KVADDR, pob + (missing << 12), buf, 8))
        check(f"{name} binding-missing-page-plain-fault",
              codes == ((-errno.ENODATA if fmt == "elf" else -li.LI_READ_FAULT),
                        -li.LI_READ_FAULT),
              f"pfn {missing:#x}: {codes}")

    from pgmapcheck_drgn.cli import _build_id_mismatch

    # libinspect's build-id, check, lookup and dump VMCOREINFO (1.3)
    bid = t.vmcoreinfo().get("BUILD-ID")
    check(f"{name} binding-build-id",
          bid and li.file_build_id(vmlinux) == bid
          and _build_id_mismatch(t, vmlinux) is None
          and "build-id mismatch" in (_build_id_mismatch(t, "/bin/true")
                                      or ""),
          f"VMCOREINFO {bid} vmlinux {li.file_build_id(vmlinux)}")
    found, why = li.find_vmlinux(man["kernel"]["release"], bid)
    check(f"{name} binding-find-vmlinux",
          found and li.file_build_id(found) == bid and
          li.find_vmlinux(man["kernel"]["release"], "00" * 20)[0] is None and
          "no debug vmlinux" in li.find_vmlinux("0.0-none")[1],
          f"found {found}: {why}")
    path = li.core_dump_path(prog)
    if path:
        text = li.vmcoreinfo_of_file(path)
        check(f"{name} binding-dump-vmcoreinfo",
              f"OSRELEASE={man['kernel']['release']}\n" in text and
              f"BUILD-ID={bid}" in text, text[:200])

    try:
        li.run_check(t, progress=lambda phase, done, total: True)
        cancelled = "no error"
    except li.LibInspectError as e:
        cancelled = e.errno
    check(f"{name} binding-progress-cancels", cancelled == errno.EINTR,
          f"got {cancelled}")


# Bare drgn on a dump without any debug info: the core dump and its
# VMCOREINFO (UTS_RELEASE).
NOVMLINUX_PROBE = """
import sys, drgn
try:
    prog = drgn.Program()
    prog.set_core_dump(sys.argv[1])
    prog["UTS_RELEASE"].string_()
except Exception as e:
    sys.exit("drgn %s: %s: %s" % (drgn.__version__, type(e).__name__, e))
"""

# What the kernel's BTF cannot say (tests/btf.t): the sizes of plain
# globals, so the device swap types (sizeof(swap_info)) stay unknown.
WEAKER = {("holder_walk", "swap_device_types"):
          "needs sizeof(swap_info) (MAX_SWAPFILES)"}
NOCACHE = os.path.join(os.environ.get("TMPDIR", "/tmp"),
                       f"pgmapcheck-drgn-t-nocache-{os.getpid()}")
# no vmlinux anywhere drgn or the script look
NO_VMLINUX_ENV = dict(os.environ, PGMAPCHECK_CACHE=NOCACHE, DEBUGINFOD_URLS="")
SYSTEM_VMLINUX = ("/usr/lib/debug/boot/vmlinux-{r}",
                  "/usr/lib/debug/lib/modules/{r}/vmlinux",
                  "/lib/modules/{r}/build/vmlinux", "/lib/modules/{r}/vmlinux",
                  "/boot/vmlinux-{r}")


def without_weaker(doc, btf):
    """doc (normalized) with WEAKER facts dropped where the BTF run has
    them null; their BTF values, for the message."""
    doc = json.loads(json.dumps(doc))
    lost = []
    for (a, b), _ in WEAKER.items():
        if btf.get(a, {}).get(b, 0) is None and b in doc.get(a, {}):
            lost.append(f"{a}.{b}")
            doc[a][b] = None
    return doc, lost


def check_no_vmlinux(name, man, dump, state):
    """The drgn script and the helpers with the dump alone: BTF and
    kallsyms through drgn's memory."""
    p = subprocess.run([sys.executable, "-c", NOVMLINUX_PROBE, dump],
                       capture_output=True, text=True, timeout=TIMEOUT)
    if p.returncode:
        lines = p.stderr.strip().splitlines()
        cannot_open(f"{name} no-vmlinux", (lines or ["?"])[-1] +
                    " (without debug info)")
        return
    state["opened_btf"] += 1
    os.makedirs(NOCACHE, exist_ok=True)
    vmlinux = vmlinux_of(man)
    dw = run_json([CLI, "--json", "--no-progress", "-k", vmlinux, dump])
    bt = run_json([CLI, "--json", "--no-progress", "--types", "btf", dump])
    p = subprocess.run([DRGN, "-q", "-c", dump, SCRIPT, "--json",
                        "--no-progress"], capture_output=True, text=True,
                       timeout=TIMEOUT, env=NO_VMLINUX_ENV)
    try:
        drg = json.loads(p.stdout)
    except ValueError:
        drg = None
    if dw[1] is None or bt[1] is None:
        not_ok(f"{name} no-vmlinux cli-json", f"dwarf exit {dw[0]}: {dw[2]}; "
               f"btf exit {bt[0]}: {bt[2]}")
        return
    if not check(f"{name} no-vmlinux drgn-json", drg is not None,
                 f"exit {p.returncode}: {p.stderr.strip()[-300:]}"):
        return
    tgt = drg.get("target", {})
    rel = man.get("kernel", {}).get("release", "")
    system = [p.format(r=rel) for p in SYSTEM_VMLINUX
              if os.path.exists(p.format(r=rel))]
    if tgt.get("vmlinux") != "btf:dump+kallsyms:dump" and system:
        # (linux-headers' vmlinux has BTF, no DWARF: drgn 0.3 may load it
        # and still have no types)
        skip(f"{name} no-vmlinux", f"drgn found debug info, {system} "
             f"installed: {tgt}")
        return
    if not check(f"{name} no-vmlinux drgn-target", tgt.get("frontend") ==
                 "drgn" and tgt.get("vmlinux") == "btf:dump+kallsyms:dump"
                 and tgt.get("source") == os.path.abspath(dump),
                 f"target {tgt}"):
        return
    check(f"{name} no-vmlinux drgn-exit-status", p.returncode == dw[0],
          f"drgn {p.returncode} != cli {dw[0]}")
    b = normalize(drg)
    a, lost = without_weaker(normalize(dw[1]), b)
    check(f"{name} no-vmlinux drgn-equals-cli-dwarf"
          f"{' but ' + ', '.join(lost) if lost else ''}", a == b,
          first_difference(a, b))
    check(f"{name} no-vmlinux drgn-equals-cli-btf", normalize(bt[1]) == b,
          first_difference(normalize(bt[1]), b))

    import drgn

    from pgmapcheck_drgn.cli import open_program
    if hasattr(drgn.Program, "core_dump_path"):
        # drgn 0.3: as a user would, a Program with the core dump only
        prog = drgn.Program()
        prog.set_core_dump(dump)
    else:
        # drgn 0.0.22 does not say which file it read VMCOREINFO from
        prog = open_program(dump, None, "btf")
    check_helpers(f"{name} no-vmlinux", man, dump, None, dw[1], prog)
    if not state["command_btf"]:
        state["command_btf"] = True
        check_command_no_vmlinux(name, dump, bt[1])


# drgn 0.3's %pgmapcheck command on a Program without debug info, the plugin
# taken from the tree
COMMAND_PROBE = """
import json, sys, drgn
try:
    from drgn.commands import run_command
except ImportError:
    sys.exit(77)
from pgmapcheck_drgn import plugin
prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
status = run_command(prog, "pgmapcheck --json > " + sys.argv[2])
run_command(prog, "pgmapcheck --summary > " + sys.argv[2] + ".txt")
print(status)
"""


def check_command_no_vmlinux(name, dump, cli_btf):
    out = os.path.join(NOCACHE, "command.json")
    env = dict(NO_VMLINUX_ENV, PYTHONPATH=os.path.join(ROOT, "drgn-scripts"))
    p = subprocess.run([sys.executable, "-c", COMMAND_PROBE, dump, out],
                       capture_output=True, text=True, timeout=TIMEOUT,
                       env=env)
    if p.returncode == 77:
        import drgn
        skip(f"{name} no-vmlinux command", f"drgn {drgn.__version__} has "
             "no drgn.commands")
        return
    try:
        with open(out) as f:
            doc = json.load(f)
        with open(out + ".txt") as f:
            first = f.readline()
    except (OSError, ValueError) as e:
        not_ok(f"{name} no-vmlinux command", f"{e}; exit {p.returncode}: "
               f"{p.stderr.strip()[-300:]}")
        return
    check(f"{name} no-vmlinux command %pgmapcheck --json equals cli --types "
          "btf", normalize(doc) == normalize(cli_btf) and
          doc["target"]["vmlinux"] == "btf:dump+kallsyms:dump",
          first_difference(normalize(cli_btf), normalize(doc)) or
          doc["target"])
    check(f"{name} no-vmlinux command text names BTF and kallsyms",
          "(no vmlinux: types from the BTF of the dump, symbols from the "
          "kallsyms of the dump)" in first, first)


def load_manifest(mpath):
    try:
        with open(mpath) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        not_ok(f"manifest {mpath}", e)
        return None


def check_selfbuilt(mpath):
    """A self-built kernel's dump (vmcores/selfbuilt, tests/run selfbuilt):
    drgn must agree with the CLI; its manifests expect codes libinspect may
    not have yet, so only the frontends are compared."""
    man = load_manifest(mpath)
    if man is None:
        return
    tag = f"selfbuilt/{man['kernel']['release']}/{man['scenario']}"
    for d in man.get("dumps", ()):
        name = f"{tag}/{d.get('format')}"
        dump = dump_path(os.path.dirname(mpath), d["path"])
        if not os.path.exists(dump):
            skip(name, f"{dump} missing")
            continue
        try:
            compare_frontends(name, dump, vmlinux_of(man))
        except subprocess.TimeoutExpired as e:
            not_ok(name, f"timeout: {e.cmd}")


def check_dump(name, man, d, dump, vmlinux, state):
    """The per-dump checks; False if drgn itself cannot open the dump."""
    checks = ["helpers"]
    # once per dump format (a filtered kdump has missing pages)
    binding = d.get("format") not in state["bound"]
    if binding:
        checks.append("binding:" + str(d.get("format")))
    # once, on the first ELF dump with injected faults
    options = None
    if not state["options"] and man.get("faults") and \
            d.get("format") == "elf":
        options = man["faults"]
    cli = compare_frontends(name, dump, vmlinux, man, checks, options)
    if cli is False:
        return False
    state["opened"] += 1
    if cli and options:
        state["options"] = True
    if cli and binding:
        state["bound"].add(d.get("format"))
    return True


def main():
    # This process opens dozens of drgn Programs one after another.  With
    # drgn 0.0.22 the cyclic collector intermittently segfaults while freeing
    # them (about 1 run in 12, mid-run or at interpreter exit; the
    # faulthandler trace shows "Garbage-collecting" and no Python frame).
    # Not yet understood, see the issue note.  The test keeps them all and
    # leaves without finalisation (os._exit below).
    gc.disable()
    prereq = True
    for path, what in ((CLI, "pgmapcheck CLI"), (LIB, "libinspect.so.1"),
                       (DRGN, "drgn (python3-drgn)")):
        if not os.path.exists(path):
            not_ok(f"prerequisite {what}", f"{path} missing (make test "
                   "builds it)")
            prereq = False
    manifests = sorted(glob.glob(os.path.join(CACHE, "corpus", "*", "*",
                                              "manifest.json")))
    # PGMAPCHECK_SCENARIOS="a b": only these scenarios' dumps (tests/sid.t)
    # with the vmlinux; without it (fast), every dump
    only = os.environ.get("PGMAPCHECK_SCENARIOS", "").split()
    if not manifests:
        not_ok("corpus", f"no manifest under {CACHE}/corpus (make vmcores)")
        prereq = False
    if not prereq:
        return
    state = {"options": False, "bound": set(), "opened": 0, "opened_btf": 0,
             "command_btf": False}
    ndumps = nbtf = 0
    for mpath in manifests:
        man = load_manifest(mpath)
        if man is None:
            continue
        man_dir = os.path.dirname(mpath)
        vmlinux = vmlinux_of(man)
        tag = f"{man.get('kernel', {}).get('release', '?')}/" \
              f"{man.get('scenario', os.path.basename(man_dir))}"
        with_vmlinux = not only or os.path.basename(man_dir) in only
        for d in man.get("dumps", ()):
            dump = dump_path(man_dir, d["path"])
            name = f"{tag}/{d.get('format', '?')}"
            ndumps += with_vmlinux
            nbtf += 1
            if not os.path.exists(dump):
                not_ok(name, f"dump {dump} missing")
                continue
            checks = [(check_no_vmlinux, (name, man, dump, state))]
            if with_vmlinux:
                checks.insert(0, (check_dump, (name, man, d, dump, vmlinux,
                                               state)))
            for fn, args in checks:
                try:
                    fn(*args)
                except subprocess.TimeoutExpired as e:
                    not_ok(name, f"timeout: {e.cmd}")
                except Exception as e:		# noqa: BLE001
                    not_ok(name, f"{type(e).__name__}: {e}")
    # a drgn that opens nothing is broken, not too old for the corpus
    if ndumps:
        check(f"drgn opens dumps ({state['opened']} of {ndumps})",
              state["opened"] > 0, "drgn opened no dump of the corpus")
    check(f"drgn opens dumps without a vmlinux ({state['opened_btf']} of "
          f"{nbtf})", state["opened_btf"] > 0,
          "drgn opened no dump of the corpus without debug info")
    shutil.rmtree(NOCACHE, ignore_errors=True)
    for mpath in sorted(glob.glob(os.path.join(
            CACHE, "selfbuilt", "corpus", "*", "*", "manifest.json"))):
        check_selfbuilt(mpath)


if __name__ == "__main__" and sys.argv[1:2] == ["--inner"]:
    inner(globals()["prog"], sys.argv[2])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
elif __name__ == "__main__":
    main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
