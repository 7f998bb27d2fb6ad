#!/usr/bin/python3
"""The frontends with sid's toolset (vmcores/sid-chroot): gcc 16, libkdumpfile
0.5.6, crash 9, drgn 0.3, on every dump of the corpus, including the kernels
the host's crash 8.0.2 cannot open.

  - libinspect, the CLI and the crash extension build in the chroot, with
    -Werror, into libinspect/build-sid/ and crash-ext/build-sid/ (beside the
    host's build/, which stays untouched);
  - tests/crash-ext.t, tests/drgn.t and tests/corpus-cli.t run in the chroot
    on that build, their lines relayed with names starting "sid/"; there
    crash and drgn must open every dump (PGMAPCHECK_MUST_OPEN=1): a start-up
    failure is a failure, never a skip;
  - for every dump, the sid CLI's JSON report and exit status equal the host
    CLI's (all but "target" and timings): two compilers and two libkdumpfile
    releases, one answer.
"""
import glob
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testlib  # noqa: E402
from testlib import ROOT, CACHE, first_difference, stable  # noqa: E402

CHROOT = os.path.join(ROOT, "vmcores/sid-chroot")
BUILD = "build-sid"
HOST_CLI = os.path.join(ROOT, "libinspect/build/pgmapcheck")
SID_CLI = os.path.join(ROOT, "libinspect", BUILD, "pgmapcheck")
PROGRAMS = ("crash-ext.t", "drgn.t", "corpus-cli.t")
# what the relayed programs see in the chroot (its env starts empty)
SID_ENV = ["PGMAPCHECK_BUILD=" + BUILD, "PGMAPCHECK_TOOLSET=sid", "PGMAPCHECK_MUST_OPEN=1"]


def report(name, good, why=""):
    return testlib.report("sid/" + name, good, why)


def in_chroot(*cmd, **kw):
    return subprocess.run([CHROOT, "run", *cmd], cwd=ROOT, capture_output=True,
                          text=True, **kw)


def tail(p, n=3):
    return " ".join((p.stdout + p.stderr).strip().splitlines()[-n:])


def build():
    p = subprocess.run([CHROOT, "ensure"], capture_output=True, text=True)
    if not report("chroot", p.returncode == 0, tail(p)):
        return False
    good = True
    for name, cmd in (("build-libinspect", ["make", "-C", "libinspect", "BUILD=" + BUILD]),
                      ("build-crash-ext", ["make", "-C", "crash-ext", "BUILD=" + BUILD])):
        p = in_chroot(*cmd)
        good &= report(name, p.returncode == 0, tail(p))
    return good


# crash 9 starts in up to a minute on a 7.x dump: its extension and the drgn
# frontend are proven on the faults scenario (every code, both formats) and
# the 1 GiB device-dax of each kernel; every dump still gets the sid CLI's
# JSON compared with the host's (compare_clis)
RELAY_SCENARIOS = {"crash-ext.t": "faults clean-devdax1g", "drgn.t": "faults clean-devdax1g"}


def relay(prog):
    """Runs tests/PROG in the chroot, passing its lines through; as tests/run,
    a non-zero exit without any "not ok" is one failure."""
    start = time.time()
    env = list(SID_ENV)
    if prog in RELAY_SCENARIOS:
        env.append("PGMAPCHECK_SCENARIOS=" + RELAY_SCENARIOS[prog])
    p = subprocess.Popen([CHROOT, "run", "env", *env, os.path.join(ROOT, "tests", prog)],
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    failed = False
    for line in p.stdout:
        failed |= line.startswith("not ok ")
        print(line, end="", flush=True)
    rc = p.wait()
    if rc and not failed:
        report(prog, False, "exited with status %d in the chroot" % rc)
    print("# sid/%s: %ds in the chroot" % (prog, time.time() - start), flush=True)


def cli_doc(p):
    try:
        return stable(json.loads(p.stdout))
    except ValueError:
        return None


def compare_clis():
    """Every dump: the host CLI's report equals the sid CLI's."""
    p = subprocess.run(["make", "-C", os.path.join(ROOT, "libinspect")],
                       capture_output=True, text=True)
    if not report("host-cli-built", p.returncode == 0 and os.access(HOST_CLI, os.X_OK), tail(p)):
        return
    start = time.time()
    for mpath in sorted(glob.glob(os.path.join(CACHE, "corpus", "*", "*", "manifest.json"))):
        try:
            with open(mpath) as f:
                man = json.load(f)
        except (OSError, ValueError) as e:
            # the generator is rewriting this scenario right now
            print("skip sid/%s - manifest unreadable: %s" % (mpath, e), flush=True)
            continue
        vmlinux = man["kernel"]["vmlinux"]
        for d in man["dumps"]:
            name = "%s/%s/%s cli-json-equals-host" % (man["kernel"]["release"], man["scenario"],
                                                     d["format"])
            if not os.path.exists(d["path"]):
                report(name, False, "%s missing" % d["path"])
                continue
            args = ["--json", "--no-progress", "-k", vmlinux, d["path"]]
            host = subprocess.run([HOST_CLI, *args], capture_output=True, text=True, timeout=900)
            sid = in_chroot(SID_CLI, *args, timeout=900)
            a, b = cli_doc(host), cli_doc(sid)
            if a is None or b is None:
                report(name, False, "no report: host exit %d %s; sid exit %d %s" % (
                    host.returncode, host.stderr.strip()[-150:], sid.returncode,
                    sid.stderr.strip()[-150:]))
                continue
            why = first_difference(a, b, names=("host", "sid"))
            if host.returncode != sid.returncode:
                why = "exit host %d, sid %d; %s" % (host.returncode, sid.returncode, why or "")
            report(name, why is None, why)
    print("# sid/cli-json-equals-host: %ds" % (time.time() - start), flush=True)


def main():
    if not build():
        return
    for prog in PROGRAMS:
        relay(prog)
    compare_clis()


if __name__ == "__main__":
    main()
    sys.exit(0)
