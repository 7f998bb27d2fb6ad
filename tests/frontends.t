#!/usr/bin/python3
# One option matrix through the three frontends on one corpus dump (6.1
# faults, ELF): the CLI, the crash extension (host crash 8.0.2, one batch
# session, the CLI's long options) and the drgn script (drgn 0.0.22 from
# /usr/bin/python3, standalone: -k VMLINUX DUMP).  For every row they must
# give the same JSON (target and timings aside) or text, the same exit
# status and the same error message (after "PROG: ").  The grammar,
# messages and status live in libinspect (li_parse_option, li_check_error,
# li_exit_status), so a difference means a frontend bypasses them.
#
# crash has no exit status: its status is read from what the extension
# prints instead (an error line: 2; with --fail-on, "findings at or above
# LEVEL (status 1)" on stderr: 1; else 0), and only compared when the row
# gives --fail-on or fails.  Ctrl-C: the drgn script's path is driven with
# a KeyboardInterrupt (a real ^C cannot land in a sub-second run) and must
# give the CLI's 130 and "DUMP: interrupted".
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import ROOT, CACHE, report, skip, stable  # noqa: E402

KERNEL = "6.1.0-57-amd64"
DUMPDIR = os.path.join(CACHE, "corpus", KERNEL, "faults")
DUMP = os.path.join(DUMPDIR, "vmcore.elf")
CLI = os.path.join(ROOT, "libinspect", "build", "pgmapcheck")
EXT = os.path.join(ROOT, "crash-ext", "build", "pgmapcheck.so")
SCRIPT = os.path.join(ROOT, "drgn-scripts", "pgmapcheck.py")
PYTHON = "/usr/bin/python3"	# where Debian's drgn 0.0.22 is
CRASH = shutil.which("crash") or "/usr/bin/crash"
TIMEOUT = 900


def message(text):
    """The first line that is a frontend's own message, without "PROG: "."""
    for line in text.splitlines():
        m = re.match(r"pgmapcheck(?:\.py)?: (.*)", line)
        if m and not m.group(1).startswith(("findings at or above",
                                            "0.1", "error:")) \
                and not re.match(r"\S+ \S+, kernel ", line):
            return m.group(1)
    return None


def vmlinux():
    with open(os.path.join(DUMPDIR, "manifest.json")) as f:
        man = json.load(f)
    v = man.get("kernel", {}).get("vmlinux") or ""
    if v and not os.path.isabs(v):
        v = os.path.join(CACHE, v)
    if not os.path.exists(v):
        v = os.path.join(CACHE, "kernels", KERNEL, "vmlinux")
    return v, man


def matrix(man):
    """(name, argv) rows, every one given alike to the three frontends."""
    pg = man["pgmaps"][-1]
    r = pg["ranges"][0]
    end = min(r["end_pfn"], r["start_pfn"] + 1023)
    rows = [("json", ["--json"])]
    rows += [(f"fail-on-{lv}", ["--json", "--fail-on", lv])
             for lv in ("error", "warning", "info", "never")]
    rows += [
        ("pgmap", ["--json", "--pgmap", pg["address"]]),
        ("pfn-hex-range", ["--json", "--pfn",
                           f"{r['start_pfn']:#x}-{end:#x}"]),
        ("pfn-decimal-one", ["--json", "--pfn", str(r["start_pfn"] + 1)]),
        ("max-findings", ["--json", "--max-findings", "1"]),
        ("no-vmemmap", ["--json", "--no-vmemmap"]),
        ("no-hugetlb", ["--json", "--no-hugetlb"]),
        ("no-holders", ["--json", "--no-holders", "--fail-on", "warning"]),
        ("summary", ["--summary", "--fail-on", "warning"]),
        ("summary-default", ["--summary"]),
        # the letters come from the same table (li_option()) everywhere
        ("short-letters", ["-j", "-n", "-U", "-H", "-f", "warning",
                           "-m", "5"]),
        ("list-codes", ["--list-codes"]),
        ("list-codes-json", ["--list-codes", "--json"]),
        # errors: usage (the library's grammar) and li_last_error's words
        ("bad-pfn-word", ["--pfn", "zz"]),
        ("bad-pfn-reversed", ["--pfn", "0x20-0x10"]),
        ("bad-pfn-octal-looking", ["--pfn", "010-9"]),
        ("bad-pfn-open-end", ["--pfn", "5-"]),
        ("bad-pfn-too-big", ["--pfn", "0x10000000000000000"]),
        ("bad-pgmap", ["--pgmap", "foo"]),
        ("bad-max-findings", ["--max-findings", "0"]),
        ("bad-fail-on", ["--fail-on", "sometimes"]),
        ("summary-and-verbose", ["--summary", "--verbose"]),
        ("unregistered-pgmap", ["--json", "--pgmap", "0x10"]),
    ]
    return rows


def run_cli(vml, argv):
    p = subprocess.run([CLI, "--no-progress", "-k", vml, *argv, DUMP],
                       capture_output=True, text=True, timeout=TIMEOUT)
    return p.returncode, p.stdout, p.stderr


def run_drgn(vml, argv):
    p = subprocess.run([PYTHON, SCRIPT, "--no-progress", "-k", vml, *argv,
                        DUMP], capture_output=True, text=True,
                       timeout=TIMEOUT)
    return p.returncode, p.stdout, p.stderr


def run_crash(vml, rows, work):
    """Every row in one crash session: {name: (status, output, stderr)}."""
    lines = [f"extend {EXT}"]
    for name, argv in rows:
        # stderr is unbuffered and so is the shell's echo: the markers
        # split it by row
        lines.append(f"!echo '@@ {name}' >&2")
        lines.append(f"pgmapcheck {shlex.join(argv)} > {work}/{name}.out")
    lines.append("!echo '@@ end' >&2")
    with open(f"{work}/cmds", "w") as f:
        f.write("\n".join(lines + ["q"]) + "\n")
    p = subprocess.run(["timeout", str(TIMEOUT), CRASH, "-s", vml, DUMP,
                        "-i", f"{work}/cmds"], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, errors="replace")
    if p.returncode or "shared object loaded" not in p.stdout:
        return None, f"exit {p.returncode}: {(p.stdout + p.stderr)[-300:]}"
    errs = dict(re.findall(r"^@@ (\S+)\n(.*?)(?=^@@ )", p.stderr,
                           re.M | re.S))
    out = {}
    for name, argv in rows:
        try:
            with open(f"{work}/{name}.out") as f:
                text = f.read()
        except OSError:
            text = ""
        err = errs.get(name, "")
        if re.match(r"pgmapcheck: ", text):
            status = 2
        elif "findings at or above" in err:
            status = 1
        elif "--fail-on" in argv:
            status = 0
        else:
            status = None	# crash says no verdict unless asked
        out[name] = (status, text, err)
    return out, ""


def same_as_cli(name, fe, run, detail, cli, argv):
    """Frontend fe's run of row name (exit status, None if not known; stdout;
    the text with its message) against the CLI's (status, stdout, stderr,
    output_of): the same status, message and output; detail follows a
    status mismatch."""
    rc, out, said = run
    c_rc, c_out, c_err, want = cli
    if rc is not None:
        report(f"{name} {fe} status = cli", rc == c_rc,
               f"{fe} {rc} cli {c_rc}: {detail}")
    report(f"{name} {fe} message = cli", message(said) == message(c_err),
           f"{fe} {message(said)!r} cli {message(c_err)!r}")
    report(f"{name} {fe} output = cli", output_of(rc, out, argv) == want,
           f"{fe} {out[:150]!r} cli {c_out[:150]!r}")


def output_of(status, stdout, argv):
    if status == 2:
        return None
    if "--json" in argv or "-j" in argv:
        try:
            return stable(json.loads(stdout))
        except ValueError:
            return "<not JSON>"
    return stdout


def check_interrupt(vml):
    """drgn: ^C during li_check gives the CLI's 130 and words."""
    code = f"""
import sys
sys.path.insert(0, {os.path.dirname(SCRIPT)!r})
from pgmapcheck_drgn import cli, _libinspect as li
def interrupted(*a, **k):
    raise KeyboardInterrupt
li.run_check = interrupted
sys.exit(cli.main(None, ["--no-progress", "-k", {vml!r}, {DUMP!r}]))
"""
    p = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True,
                       timeout=TIMEOUT)
    report("drgn ^C exits 130 like the CLI", p.returncode == 130,
           f"exit {p.returncode}: {p.stderr[-300:]}")
    report("drgn ^C says the CLI's words", message(p.stderr) ==
           f"{DUMP}: interrupted", p.stderr[-300:])


def main():
    vml, man = vmlinux()
    for need in (CLI, EXT, DUMP, vml):
        if not os.path.exists(need):
            skip("frontends", f"{need} missing (make; make vmcores)")
            return 0
    if subprocess.run([PYTHON, "-c", "import drgn"],
                      capture_output=True).returncode:
        skip("frontends", f"no drgn for {PYTHON}")
        return 0
    rows = matrix(man)
    work = tempfile.mkdtemp(prefix="frontends.")
    try:
        crash, why = run_crash(vml, rows, work)
        report("crash session", crash is not None, why)
        for name, argv in rows:
            c_rc, c_out, c_err = run_cli(vml, argv)
            d_rc, d_out, d_err = run_drgn(vml, argv)
            want = output_of(c_rc, c_out, argv)
            report(f"{name} cli sane", c_rc in (0, 1, 2) and
                   (c_rc == 2) == (message(c_err) is not None),
                   f"exit {c_rc}: {c_err[-200:]}")
            cli = (c_rc, c_out, c_err, want)
            same_as_cli(name, "drgn", (d_rc, d_out, d_err), d_err[-200:],
                        cli, argv)
            if crash is None:
                continue
            k_rc, k_out, k_err = crash[name]
            same_as_cli(name, "crash", (k_rc, k_out, k_out),
                        repr(k_out[:200]), cli, argv)
        check_interrupt(vml)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
