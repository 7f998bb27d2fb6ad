#!/usr/bin/python3
# The crash extension (crash-ext/build/pgmapcheck.so) in crash, batch mode,
# on every ELF/kdump dump of the corpus:
#  - "pgmapcheck -j" gives the CLI's JSON document for the same dump (all of
#    it but "target" and timings; findings, pgmaps, vmemmap, summary named),
#    and so do -p, -P, -m and -n against --pgmap, --pfn, --max-findings and
#    --no-vmemmap; "-s" prints the CLI's --summary text;
#  - every fault the manifest says was injected is reported (code and pfn);
#  - output goes through crash's fp: a pipe to a shell command works.
# Once: "help pgmapcheck" (name, summary, synopsis, every option, every
# finding code of the library, examples), a bad option gives crash's usage
# message and crash carries on, the adapter's answers (-Q) equal crash's
# own (p sizeof/offset, sym, rd) and tell an invalid address (-EFAULT) from
# memory missing in the dump (-ENODATA), and "make install PREFIX=/usr
# DESTDIR=..." installs a .so that "extend pgmapcheck.so" finds by name.
#
# The same program runs on the host (crash 8.0.2) and in the sid chroot
# (crash 9, tests/sid.t), chosen by the environment (defaults: the host's):
#   PGMAPCHECK_BUILD=build-sid   libinspect/<it>/ and crash-ext/<it>/
#   PGMAPCHECK_TOOLSET=sid       test names start with "sid/"
#   PGMAPCHECK_MUST_OPEN=1       crash must open every dump
# A dump bare crash cannot open at all (crash 8.0.2 predates 6.12 and 7.x)
# is skipped with crash's own error line, unless PGMAPCHECK_MUST_OPEN=1:
# then it is a failure.
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testlib  # noqa: E402
from testlib import load_json, mismatch, stable  # noqa: E402
from testlib import ROOT, CACHE, BUILD, MUST_OPEN, CLI, LABEL  # noqa: E402
from testlib import report, skip  # noqa: E402

# PGMAPCHECK_SCENARIOS="a b": only these scenarios' dumps (tests/sid.t)
SCENARIOS = os.environ.get("PGMAPCHECK_SCENARIOS", "").split()
EXT = os.path.join(ROOT, "crash-ext", BUILD, "pgmapcheck.so")
CRASH = shutil.which("crash") or "/usr/bin/crash"
CRASH_TIMEOUT = 900
FORMATS = ("elf", "kdump", "kdump-panic")
OPTIONS = ("-j", "-s", "-v", "-p", "-P", "-m", "-f", "-n", "-U", "-H", "-Q")


# How this crash opens each kernel (vmlinux path): [] plainly,
# ["--no_modules"] where it aborts in module_init() but works without the
# modules (crash 9.0.2 on 7.x: module_num_gpl_syms is gone; pgmapcheck does
# not need modules), None where it cannot (crash 8.0.2 on 6.12/7.x).  Decided
# by trying, once per kernel: `sys` must name the dump's release.
MODES = {}


# Bare crash's start-up on a dump (the plain probe: "sys", nothing of ours)
# is a function of crash, the vmlinux and the dump: kept here and asked
# again only when one of them changes (a crash start-up is 7-25 s of CPU,
# and crash 8.0.2 fails on every 6.12/7.x dump).  The strict probe runs our
# extension: never kept.  A session that fails where the kept answer said
# crash starts asks crash again.
STARTUPS = os.path.join(CACHE, "crash-startup%s.json" % (
    "-" + LABEL if LABEL else ""))


def ident(path):
    st = os.stat(path)
    return [path, st.st_size, st.st_mtime_ns, st.st_ino]


def startup_key(vmlinux, dump, args):
    return json.dumps([ident(CRASH), ident(vmlinux), ident(dump), args])


def crash_probe(vmlinux, dump, args, strict=False, fresh=False):
    """strict (a degraded start, --no_modules): crash must also run the
    extension's summary without faulting, or it is not a usable crash for
    this kernel (crash 8.0.2 on 6.12 starts so, then faults in gdb)."""
    key = None if strict else startup_key(vmlinux, dump, args)
    kept = testlib.load(STARTUPS)
    if key in kept and not fresh:
        k = kept[key]
        return k["works"], k["out"], k["rc"]
    cmds = "sys\n" + (f"extend {EXT}\npgmapcheck -s\n" if strict else "") + "q\n"
    p = subprocess.run(["timeout", str(CRASH_TIMEOUT), CRASH, "-s", *args,
                        vmlinux, dump], input=cmds, capture_output=True,
                       text=True, errors="replace")
    out = p.stdout + p.stderr
    works = p.returncode == 0 and re.search(r"^\s*RELEASE: \S", out, re.M) \
        and "segmentation violation" not in out and \
        (not strict or "SUMMARY:" in out)
    if key and p.returncode != 124:	# not a timeout: crash's own answer
        kept = testlib.load(STARTUPS)
        kept[key] = {"works": bool(works), "out": out[-20000:],
                     "rc": p.returncode}
        testlib.save(STARTUPS, kept)
    return bool(works), out, p.returncode


def crash_mode(vmlinux, dump, fresh=False):
    """(args, None) if crash opens this kernel, else (None, crash's error).
    fresh: ask crash again, not the kept answer."""
    if fresh:
        MODES.pop(vmlinux, None)
    if vmlinux not in MODES:
        works, out, rc = crash_probe(vmlinux, dump, [], fresh=fresh)
        mode, why = ([], None) if works else (None, None)
        if not works:
            lines = [ln.strip() for ln in out.splitlines() if ln.strip()]
            errs = [ln for ln in lines if ln.startswith("crash:")]
            why = (errs or lines or [f"crash exited with status {rc}"])[0]
            # bare crash --no_modules first (kept): crash 8.0.2 on 6.12 then
            # faults in gdb's bt of the panic task, though not every time;
            # a strict probe that happened to pass would make the matrix
            # differ from run to run.  Where crash must open every dump the
            # strict probe is not needed (a crash 9 start-up, 10-15 s of
            # CPU): a dump session that then fails is a failure anyway.
            if "FUNCTION: module_init()" in out and \
                    crash_probe(vmlinux, dump, ["--no_modules"])[0] and \
                    (MUST_OPEN or
                     crash_probe(vmlinux, dump, ["--no_modules"], strict=True)[0]):
                print(f"# {why}: {vmlinux} is opened with --no_modules",
                      flush=True)
                mode, why = ["--no_modules"], None
        MODES[vmlinux] = (mode, why)
    return MODES[vmlinux]


def crash_args(vmlinux):
    return MODES.get(vmlinux, ([], None))[0] or []


def crash_run(vmlinux, dump, lines, env=None, args=()):
    """One batch crash session; returns (exit status, stdout+stderr)."""
    with tempfile.NamedTemporaryFile("w", suffix=".crash",
                                     delete=False) as f:
        f.write("\n".join(lines + ["q"]) + "\n")
        cmds = f.name
    try:
        p = subprocess.run(["timeout", str(CRASH_TIMEOUT), CRASH, "-s",
                            *crash_args(vmlinux), *args, vmlinux, dump,
                            "-i", cmds],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, env=env, errors="replace")
        return p.returncode, p.stdout + p.stderr
    finally:
        os.unlink(cmds)


def crash_cannot_open(vmlinux, dump, fresh=False):
    """None if bare crash starts up on the dump's kernel (with
    --no_modules if that is what it takes), else crash's own error line:
    trying is the only test of support."""
    return crash_mode(vmlinux, dump, fresh)[1]


def cli_json(vmlinux, dump, extra):
    p = subprocess.run([CLI, "--json", "--no-progress", "-k", vmlinux,
                        *extra, dump], capture_output=True, text=True,
                       timeout=CRASH_TIMEOUT)
    try:
        return json.loads(p.stdout)
    except ValueError:
        return None


def vmlinux_for(man):
    k = man.get("kernel", {})
    v = k.get("vmlinux") or ""
    if v and not os.path.isabs(v):
        v = os.path.join(CACHE, v)
    if os.path.exists(v):
        return v
    return os.path.join(CACHE, "kernels", k.get("release", ""), "vmlinux")


def corpus_dumps():
    """(name, manifest, vmlinux, dump path) for every ELF/kdump dump."""
    out = []
    for mpath in sorted(glob.glob(os.path.join(CACHE, "corpus", "*", "*",
                                               "manifest.json"))):
        with open(mpath) as f:
            man = json.load(f)
        mdir = os.path.dirname(mpath)
        if SCENARIOS and man.get("scenario", os.path.basename(mdir)) \
                not in SCENARIOS:
            continue
        tag = f"{man.get('kernel', {}).get('release', '?')}/" \
              f"{man.get('scenario', os.path.basename(mdir))}"
        for d in man.get("dumps", ()):
            if d.get("format") not in FORMATS:
                continue
            path = d["path"] if os.path.isabs(d["path"]) else \
                os.path.join(mdir, d["path"])
            out.append((f"{tag}/{d['format']}", man, vmlinux_for(man), path))
    return out


def option_runs(man):
    """Extension options and the CLI options that must give the same JSON."""
    runs = [("all", "", []), ("max1", "-m 1", ["--max-findings", "1"]),
            ("novmemmap", "-n", ["--no-vmemmap"])]
    pgmaps = man.get("pgmaps") or []
    if pgmaps:
        pg = pgmaps[-1]
        runs.append(("pgmap", f"-p {pg['address']}",
                     ["--pgmap", pg["address"]]))
        r = pg["ranges"][0]
        end = min(r["end_pfn"], r["start_pfn"] + 1023)
        runs.append(("pfns", f"-P {r['start_pfn']:#x}-{end:#x}",
                     ["--pfn", f"{r['start_pfn']}-{end}"]))
    return runs


def cannot_open(name, vmlinux, dump, fresh=False):
    """True (after a failure or skip line) if crash itself cannot open it."""
    why = crash_cannot_open(vmlinux, dump, fresh)
    if why is None:
        return False
    if MUST_OPEN:
        report(f"{name} crash-open", False, why)
    else:
        skip(name, why)
    return True


def check_dump(name, man, vmlinux, dump, work):
    """The per-dump checks; False if crash itself cannot open the dump."""
    if cannot_open(name, vmlinux, dump):
        return False
    runs = option_runs(man)
    lines = [f"extend {EXT}"]
    for tag, opts, _ in runs:
        lines.append(f"pgmapcheck -j {opts} > {work}/{tag}.json")
    lines.append(f"pgmapcheck -s > {work}/summary.txt")
    lines.append("pgmapcheck -j | /usr/bin/python3 -c \"import json, sys; "
                 "print('piped-pgmaps', len(json.load(sys.stdin)['pgmaps']))\"")
    rc, out = crash_run(vmlinux, dump, lines)
    # ours or crash's?  Ask crash alone.
    if (rc != 0 or "shared object loaded" not in out) and \
            cannot_open(name, vmlinux, dump, fresh=True):
        return False
    if not report(f"{name} crash-session", rc == 0 and
                  "shared object loaded" in out and
                  "zero_excluded" not in out, f"exit {rc}: {out[-300:]}"):
        return True
    # the default type source is libinspect's DWARF reader, not a quiet
    # fallback to crash's gdb (check_type_sources() tries gdb itself)
    report(f"{name} types-from-dwarf", "types from crash's gdb" not in out,
           out[-300:])

    for tag, _, cli_opts in runs:
        ext = load_json(f"{work}/{tag}.json")
        cli = cli_json(vmlinux, dump, cli_opts)
        if not report(f"{name} {tag}-json", ext is not None and
                      cli is not None, f"crash json {ext is not None}, "
                      f"cli json {cli is not None}"):
            continue
        report(f"{name} {tag}-target", ext.get("target", {}).get(
            "frontend") == "crash", f"target {ext.get('target')}")
        a, b = stable(cli), stable(ext)
        if tag == "all":
            for part in ("findings", "pgmaps", "vmemmap", "summary"):
                report(f"{name} {tag}-{part}-equal-cli",
                       part in a and a.get(part) == b.get(part),
                       mismatch(a.get(part), b.get(part)) or "absent")
            faults = man.get("faults", ())
            seen = {(f.get("code"), f.get("pfn")) for f in ext["findings"]}
            missed = [f"{f['code']}@{f['pfn']:#x}" for f in faults
                      if (f["code"], f["pfn"]) not in seen]
            report(f"{name} faults-reported ({len(faults)})", not missed,
                   f"not reported: {missed}")
        report(f"{name} {tag}-document-equal-cli", a == b, mismatch(a, b))

    p = subprocess.run([CLI, "--summary", "--no-progress", "-k", vmlinux,
                        dump], capture_output=True, text=True,
                       timeout=CRASH_TIMEOUT)
    try:
        with open(f"{work}/summary.txt") as f:
            summary = f.read()
    except OSError:
        summary = None
    report(f"{name} summary-text-equal-cli", summary == p.stdout and
           "SUMMARY" in p.stdout, f"crash {summary!r:.120} cli "
           f"{p.stdout!r:.120}")
    m = re.search(r"^piped-pgmaps (\d+)$", out, re.M)
    report(f"{name} pipe", m and int(m.group(1)) ==
           len(man.get("pgmaps", ())), f"no/bad piped line: {out[-200:]}")
    return True


def session_equals_cli(test, vmlinux, dump, work, env=None, args=()):
    """One crash session's "pgmapcheck -j" against the CLI's document."""
    out_json = f"{work}/session.json"
    rc, out = crash_run(vmlinux, dump, [f"extend {EXT}",
                                        f"pgmapcheck -j > {out_json}"],
                        env=env, args=args)
    ext, cli = load_json(out_json), cli_json(vmlinux, dump, [])
    report(test,
           ext is not None and cli is not None and stable(ext) == stable(cli),
           f"exit {rc}: " + (mismatch(stable(cli), stable(ext))
                             if ext and cli else out[-300:]))


def check_type_sources(name, vmlinux, dump, work):
    """Types from crash's gdb (PGMAPCHECK_CRASH_TYPES=gdb): the CLI's
    document too (the default, libinspect's DWARF reader, is every dump's
    session: types-from-dwarf)."""
    session_equals_cli(f"{name} types-gdb-equal-cli", vmlinux, dump, work,
                       env={**os.environ, "PGMAPCHECK_CRASH_TYPES": "gdb"})


def check_minimal(name, vmlinux, dump, work):
    """crash --minimal (what a damaged dump leaves): crash translates no
    vmemmap and no per-cpu area there, libinspect does (-LI_READ_XLAT); the
    CLI's document all the same."""
    session_equals_cli(f"{name} minimal-mode-equal-cli", vmlinux, dump, work,
                       args=["--minimal"])


def check_zero_excluded(name, vmlinux, dump):
    """crash --zero_excluded hides filtered pages: the command says so."""
    p = subprocess.run(["timeout", str(CRASH_TIMEOUT), CRASH,
                        "--zero_excluded", "-s", *crash_args(vmlinux),
                        vmlinux, dump],
                       input=f"extend {EXT}\npgmapcheck -s\nq\n",
                       capture_output=True, text=True)
    out = p.stdout + p.stderr
    report(f"{name} --zero_excluded warned", "WARNING: crash runs with "
           "--zero_excluded" in out and "SUMMARY" in out, out[-300:])


def help_expectations():
    """Every finding code, from the CLI's table of the same library."""
    p = subprocess.run([CLI, "--list-codes"], capture_output=True, text=True,
                       timeout=60)
    return re.findall(r"^\s*([A-Z][A-Z0-9_]{3,})\b", p.stdout, re.M)


def check_help_and_adapter(man, vmlinux, dump, work):
    pg = man["pgmaps"][0]["address"] if man.get("pgmaps") else None
    inst = os.path.join(work, "inst")
    p = subprocess.run(["make", "-s", "-C", os.path.join(ROOT, "crash-ext"),
                        "install", f"BUILD={BUILD}", "PREFIX=/usr",
                        f"DESTDIR={inst}"],
                       capture_output=True, text=True, timeout=600)
    extdir = os.path.join(inst, "usr/lib/crash/extensions")
    report("install PREFIX=/usr DESTDIR", p.returncode == 0 and
           os.path.exists(os.path.join(extdir, "pgmapcheck.so")),
           f"exit {p.returncode}: {p.stderr}")

    q = {
        "sizeof": "sizeof:page",
        "off-compound_head": "\"offsetof:struct page:compound_head\"",
        "off-ref.data": "offsetof:dev_pagemap:ref.data",
        "off-ranges": "offsetof:dev_pagemap:ranges",
        "off-missing": "offsetof:page:no_such_member",
        "enum": "enum:ZONE_DEVICE",
        "sym": "symbol:pgmap_array",
        "sym-local-fn": "symbol:dev_pagemap_percpu_release",
        "vmcoreinfo": "vmcoreinfo:OSRELEASE",
        "read-efault": "read:kv:1234:8",
        "read-enodata": "read:phys:7fff0000000:8",
        "read-efault-phys": "read:phys:10000000000000:8",
    }
    if pg:
        q["read-pgmap"] = f"read:kv:{int(pg, 16):x}:16"
    lines = ["extend pgmapcheck.so", f"help pgmapcheck > {work}/help.txt",
             f"pgmapcheck -x > {work}/badopt.txt",
             f"pgmapcheck -j -s > {work}/badcombo.txt",
             f"p sizeof(struct page) > {work}/c-sizeof.txt",
             f"p &((struct page *)0)->compound_head > "
             f"{work}/c-off-compound_head.txt",
             f"p &((struct dev_pagemap *)0)->ref.data > "
             f"{work}/c-off-ref.data.txt",
             f"p &((struct dev_pagemap *)0)->ranges > "
             f"{work}/c-off-ranges.txt",
             f"p/d ZONE_DEVICE > {work}/c-enum.txt",
             f"sym pgmap_array > {work}/c-sym.txt",
             f"sym dev_pagemap_percpu_release > {work}/c-sym-local-fn.txt",
             f"sys > {work}/c-vmcoreinfo.txt"]
    if pg:
        lines.append(f"rd {pg} 2 > {work}/c-read-pgmap.txt")
    for k, v in q.items():
        lines.append(f"pgmapcheck -Q {v} > {work}/q-{k}.txt")
    lines.append(f"pgmapcheck -s > {work}/alive.txt")
    env = dict(os.environ, CRASH_EXTENSIONS=extdir)
    rc, out = crash_run(vmlinux, dump, lines, env)
    report("extend by name from the installed directory",
           f"{extdir}/pgmapcheck.so: shared object loaded" in out,
           out[:300])

    def text(f):
        try:
            with open(os.path.join(work, f)) as fh:
                return fh.read()
        except OSError:
            return ""

    h = text("help.txt")
    want = ["NAME", "pgmapcheck - ", "SYNOPSIS", "DESCRIPTION", "EXAMPLE",
            "FINDING CODES", "crash> pgmapcheck"]
    codes = help_expectations()
    report("help codes from the library", len(codes) >= 10,
           f"--list-codes gave {codes}")
    missing = [w for w in want + codes if w not in h]
    # each option described: "-n " or "-n, --no-vmemmap"
    missing += [o for o in OPTIONS if o + " " not in h and o + "," not in h]
    report("help pgmapcheck", not missing, f"missing {missing} in {h[:200]}")
    syn = re.search(r"SYNOPSIS\n\s+pgmapcheck (.*)\n", h)
    report("help synopsis lists every option", syn and all(
        o[1] in syn.group(1) for o in OPTIONS), syn and syn.group(1))

    b = text("badopt.txt")
    report("bad option gives crash's usage", "Usage:" in b and
           "pgmapcheck [" in b and 'Enter "help pgmapcheck" for details' in b,
           b or out[-300:])
    report("-j with -s refused", "cannot be combined" in out +
           text("badcombo.txt"), out[-300:])
    report("crash carries on after errors", rc == 0 and
           "SUMMARY" in text("alive.txt") and "segmentation" not in out,
           f"exit {rc}: {out[-300:]}")

    def qval(k):
        m = re.search(r" = (\S+)$", text(f"q-{k}.txt"), re.M)
        return m.group(1) if m else None

    def cval(k, rx):
        m = re.search(rx, text(f"c-{k}.txt"))
        return m.group(1) if m else "<crash gave nothing>"

    report("query sizeof(struct page) = crash's",
           qval("sizeof") == cval("sizeof", r"= (\d+)"), text("q-sizeof.txt"))
    for k in ("off-compound_head", "off-ref.data", "off-ranges"):
        c = cval(k, r"\) (0x[0-9a-f]+|\(nil\))")
        c = "0" if c == "(nil)" else str(int(c, 16)) if c.startswith(
            "0x") else c
        report(f"query {k} = crash's", qval(k) == c,
               f"{text('q-' + k + '.txt')!r} crash {c}")
    report("query member absent -> -ENOENT",
           "error -2 " in text("q-off-missing.txt"),
           text("q-off-missing.txt"))
    report("query enum ZONE_DEVICE = crash's",
           qval("enum") == cval("enum", r"= (\d+)"), text("q-enum.txt"))
    for k in ("sym", "sym-local-fn"):
        c = cval(k, r"^([0-9a-f]+) ")
        got = qval(k)
        report(f"query {k} = crash's", got is not None and c[0] != "<" and
               int(got, 16) == int(c, 16),
               f"{text('q-' + k + '.txt')!r} crash {c}")
    rel = cval("vmcoreinfo", r"RELEASE: (\S+)")
    report("query vmcoreinfo OSRELEASE = crash's RELEASE",
           qval("vmcoreinfo") == rel, f"{text('q-vmcoreinfo.txt')!r} {rel}")
    report("read: untranslatable address -> -EFAULT",
           "error -14 " in text("q-read-efault.txt"),
           text("q-read-efault.txt"))
    report("read: physical address beyond the dump -> -ENODATA",
           "error -61 " in text("q-read-enodata.txt"),
           text("q-read-enodata.txt"))
    report("read: physical address beyond MAX_PHYSMEM_BITS -> -EFAULT",
           "error -14 " in text("q-read-efault-phys.txt"),
           text("q-read-efault-phys.txt"))
    if pg:
        words = re.findall(r"\b([0-9a-f]{16})\b", text("c-read-pgmap.txt")
                           .split(":", 1)[-1])
        want_bytes = "".join(bytes.fromhex(w)[::-1].hex() for w in words[:2])
        got = text("q-read-pgmap.txt").split("=", 1)[-1].split()
        report("read: pgmap bytes = crash's rd", len(words) >= 2 and
               "".join(got) == want_bytes,
               f"{''.join(got)} vs rd {want_bytes}")


def main():
    ok_prereq = True
    for path, what in ((CRASH, "crash"), (CLI, "pgmapcheck CLI"),
                       (EXT, "crash extension")):
        if not os.path.exists(path):
            report(f"prerequisite {what}", False,
                   f"{path} missing (make test builds/installs it)")
            ok_prereq = False
    lib = os.path.join(ROOT, "libinspect", BUILD, "libinspect.a")
    if ok_prereq and os.path.exists(lib):
        report("extension linked with the current libinspect.a",
               os.path.getmtime(EXT) >= os.path.getmtime(lib),
               "libinspect.a is newer than pgmapcheck.so (make crash-ext)")
    if os.path.exists(CRASH):
        v = subprocess.run([CRASH, "--version"], capture_output=True,
                           text=True).stdout
        m = re.search(r"^crash (\d+\.\d+\S*)", v, re.M)
        report(f"crash {m.group(1) if m else '?'} runs", m is not None, v)
    dumps = corpus_dumps()
    if not report("corpus has ELF/kdump dumps", bool(dumps),
                  f"no manifest with dumps under {CACHE}/corpus "
                  "(make vmcores)") or not ok_prereq:
        return
    work = tempfile.mkdtemp(prefix="crash-ext.")
    try:
        opened = []
        cannot = {}	# kernel -> why crash could not open its first dump
        for d in dumps:
            name, man, vmlinux, dump = d
            if not report(f"{name} dump-present", os.path.exists(dump) and
                          os.path.exists(vmlinux), f"{dump} / {vmlinux}"):
                continue
            # crash tried (and failed) on this kernel's first dump: a crash
            # start-up is up to a minute, not worth repeating per dump
            krel = man.get("kernel", {}).get("release")
            if krel in cannot and not MUST_OPEN:
                skip(name, f"this crash cannot open {krel} (tried on "
                     f"{cannot[krel]})")
                continue
            sub = tempfile.mkdtemp(dir=work)
            try:
                if check_dump(name, man, vmlinux, dump, sub):
                    opened.append(d)
                else:
                    cannot[krel] = name
            except subprocess.TimeoutExpired as e:
                report(f"{name}", False, f"timeout: {e.cmd}")
        # a crash that opens nothing is broken, not too old for the corpus
        if not report(f"crash opens dumps ({len(opened)} of {len(dumps)})",
                      opened, "crash opened no dump of the corpus"):
            return
        # help, usage and adapter checks once, on the dump with most pgmaps
        # (the faults scenario) that crash opens, preferring ELF
        def most_pgmaps(d):
            return len(d[1].get("pgmaps", ())), d[0].endswith("/elf")

        first = max(opened, key=most_pgmaps)
        check_help_and_adapter(first[1], first[2], first[3], work)
        check_type_sources(first[0], first[2], first[3], work)
        # --minimal on each kernel crash opens, on its dump with most pgmaps
        by_kernel = {}
        for d in opened:
            by_kernel.setdefault(d[1].get("kernel", {}).get("release"),
                                 []).append(d)
        for ds in by_kernel.values():
            d = max(ds, key=most_pgmaps)
            check_minimal(d[0], d[2], d[3], work)
        kdumps = [d for d in opened if not d[0].endswith("/elf")]
        if kdumps:
            check_zero_excluded(kdumps[0][0], kdumps[0][2], kdumps[0][3])
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
