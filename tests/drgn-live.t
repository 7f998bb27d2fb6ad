#!/usr/bin/python3
# The live-kernel path, on every kernel of the corpus: boot it under QEMU
# with the faults scenario (faults injected by the test module), and inside
# the guest run, on /proc/kcore,
#   drgn -s VMLINUX drgn-scripts/pgmapcheck.py --json
#   libinspect/<build>/pgmapcheck --json -k VMLINUX   (CLI live mode)
#   the helpers (for_each_dev_pagemap, pgmap_of_pfn, check_pgmaps)
# through the corpus generator's harness (vmcores/guest run --then); the
# guest sees the host root read-only, so drgn and our build are there.
# Toolsets: "host" (bookworm's drgn 0.0.22, libinspect/build) on every
# kernel; on a newer suite's kernel a host drgn that cannot open it is
# skipped with its own error.  "sid" (drgn 0.3, libinspect/build-sid, run
# chrooted into the sid chroot inside the guest) on the kernels of the newer
# suites, where it must work.
# Ground truth is the test module's own PGMAPCHECK-PGMAP/-INJECT lines from
# the same boot, never libinspect.
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import ROOT, CACHE, report as check  # noqa: E402

GUEST = os.path.join(ROOT, "vmcores/guest")
SCENARIO = os.environ.get("PGMAPCHECK_LIVE_SCENARIO", "faults")
TIMEOUT = 1800
JOB = "/run/pgmc/job"	# the job directory, as the guest sees it
SID_ROOT = os.path.join(CACHE, "chroot", "sid")


def kernel_releases():
    """KREL, else every Debian kernel with a SCENARIO dump (the self-built
    ones have live checks of their own, tests/selfbuilt.t)."""
    if os.environ.get("KREL"):
        return [os.environ["KREL"]]
    out = []
    for m in sorted(glob.glob(os.path.join(CACHE, "corpus", "*", SCENARIO,
                                           "manifest.json"))):
        with open(m) as f:
            krel = json.load(f)["kernel"]["release"]
        if krel not in out and os.path.exists(
                os.path.join(CACHE, "kernels", krel, "vmlinuz")):
            out.append(krel)
    return out


def suite_of(krel):
    try:
        with open(os.path.join(CACHE, "kernels", krel, "suite")) as f:
            return f.read().strip()
    except OSError:
        return "bookworm"


# What the guest needs from this checkout.  The guest sees the host root
# read-only but has its own tmpfs on /tmp (where a CI clone may live), so the
# builds and the scripts are staged into the job directory it shares.
STAGE = ("drgn-scripts/pgmapcheck.py", "drgn-scripts/pgmapcheck_drgn",
         "libinspect/{b}/pgmapcheck", "libinspect/{b}/libinspect.so.1")


def stage_checkout(dest, builds):
    for rel in sorted({r.format(b=b) for r in STAGE for b in builds}):
        src, dst = os.path.join(ROOT, rel), os.path.join(dest, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if os.path.isdir(src):
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns(
                "__pycache__"))
        else:
            shutil.copy2(src, dst)


# Runs inside the guest (bash), once per toolset; files land in the job
# directory prefixed with the toolset.  {run} starts each command: nothing
# for the host's tools; for sid's, a chroot into the sid chroot, which the
# guest sees read-only over 9p like the host root: /proc, /dev, /sys, the job
# and the kernel directory are mounted over its empty /proc, /dev, /sys,
# /mnt and /srv first.
GUEST_CMD = r"""
{setup}
cd / || exit 97
# one vCPU for the checks: under TCG a 2-vCPU guest on a busy host (make test
# runs two tests at once) burns host CPU in vCPUs spinning for locks held by
# a descheduled one (kernel spinlocks, drgn's OpenMP waiters)
echo 0 > /sys/devices/system/cpu/cpu1/online 2>/dev/null
# phase times (the test prints them): the guest's uptime, then one stamp
# after each command
echo "{ts}-start $(date +%s.%N) $(cut -d' ' -f1 /proc/uptime)" >> {job}/times
V={vmlinux}
export PGMAPCHECK_CACHE={cache}
# drgn loads the vmlinux DWARF once (tens of seconds under TCG) for both
# the script and the helpers: live-both.py (BOTH) runs pgmapcheck.py as drgn
# would (runpy, prog in its globals), then the helpers on the same program
{run} env LIBINSPECT={lib} timeout 1200 drgn -q -s $V {jobin}/live-both.py \
	{root} {jobin} {jobin}/{ts} > {job}/{ts}-drgn.out 2>&1
echo $? > {job}/{ts}-both.rc
echo "{ts}-drgn $(date +%s.%N)" >> {job}/times
# drgn did not start the script (it cannot open this kernel): its own error
[ -e {job}/{ts}-drgn.rc ] || {{ cp {job}/{ts}-drgn.out {job}/{ts}-drgn.err;
	cp {job}/{ts}-both.rc {job}/{ts}-drgn.rc; }}
{run} timeout 1200 {root}/libinspect/{build}/pgmapcheck --json --no-progress \
	-k $V > {job}/{ts}-cli.json 2> {job}/{ts}-cli.err
echo $? > {job}/{ts}-cli.rc
echo "{ts}-cli $(date +%s.%N)" >> {job}/times
{run} timeout 1200 {root}/libinspect/{build}/pgmapcheck --json --no-progress \
	--types btf > {job}/{ts}-clibtf.json 2> {job}/{ts}-clibtf.err
echo $? > {job}/{ts}-clibtf.rc
echo "{ts}-clibtf $(date +%s.%N)" >> {job}/times
"""

BOTH = r"""
import json, os, runpy, sys
root, jobin, out = sys.argv[1:4]
sys.path.insert(0, root + "/drgn-scripts")
import drgn
import pgmapcheck_drgn as h


# fn() with fds 1 and 2 in BASE.json / BASE.err, its status in BASE.rc
def to_files(base, fn):
    sys.stdout.flush(); sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(base + ".json", "w") as o, open(base + ".err", "w") as e:
        os.dup2(o.fileno(), 1); os.dup2(e.fileno(), 2)
        try:
            rc = fn()
        except SystemExit as ex:
            rc = ex.code if isinstance(ex.code, int) else 1
        except BaseException as ex:
            print(repr(ex), file=sys.stderr)
            rc = 99
        sys.stdout.flush(); sys.stderr.flush()
        os.dup2(saved[0], 1); os.dup2(saved[1], 2)
    with open(base + ".rc", "w") as f:
        f.write("%d\n" % (rc or 0))


sys.argv = [root + "/drgn-scripts/pgmapcheck.py", "--json", "--no-progress"]
to_files(out + "-drgn", lambda: runpy.run_path(
    sys.argv[0], init_globals={"prog": prog}, run_name="__main__") and 0)


def helpers():
    pfns = [int(m.split("pfn=")[1].split()[0], 16)
            for m in open(jobin + "/kmsg.log")
            if m.startswith("PGMAPCHECK-INJECT ")]
    of = {}
    for pfn in pfns:
        o = h.pgmap_of_pfn(prog, pfn)
        of[str(pfn)] = None if o is None else hex(o.value_())
    r = h.check_pgmaps(prog)
    json.dump({
        "pgmaps": [hex(o.value_()) for o in h.for_each_dev_pagemap(prog)],
        "info": [dict(address=hex(i.address), type=i.type, ranges=i.ranges)
                 for i in h.dev_pagemap_info(prog)],
        "pgmap_of_pfn": of,
        "findings": [[f.code, f.pfn] for f in r.findings],
        "live": bool(prog.flags & drgn.ProgramFlags.IS_LIVE),
    }, sys.stdout)
    return 0


to_files(out + "-helpers", helpers)
"""

SID_SETUP = r"""
S={sid}
mount -t proc proc $S/proc && mount --rbind /dev $S/dev &&
mount --rbind /sys $S/sys && mount --bind {job} $S/mnt &&
mount --bind {kdir} $S/srv || exit 96
# as vmcores/sid-chroot does on the host: the cache at its own path, so the
# sid CLI finds the kernel's type memo there as the host's CLI does
[ ! -d $S{cache} ] || mount --bind {cache} $S{cache}
"""


def guest_cmd(krel, toolsets):
    """The whole guest command: each toolset's part, then a done marker."""
    kdir = os.path.join(CACHE, "kernels", krel)
    parts = []
    for ts in toolsets:
        if ts == "host":
            root = JOB + "/checkout"
            parts.append(GUEST_CMD.format(
                setup="", run="", root=root, build="build",
                lib=root + "/libinspect/build/libinspect.so.1",
                vmlinux=shlex.quote(os.path.join(kdir, "vmlinux")),
                cache=shlex.quote(CACHE), job=JOB, jobin=JOB, ts=ts))
        else:
            root = "/mnt/checkout"
            parts.append(GUEST_CMD.format(
                setup=SID_SETUP.format(sid=shlex.quote(SID_ROOT), job=JOB,
                                       kdir=shlex.quote(kdir),
                                       cache=shlex.quote(CACHE)),
                run="chroot $S", root=root, build="build-sid",
                lib=root + "/libinspect/build-sid/libinspect.so.1",
                vmlinux="/srv/vmlinux", cache=shlex.quote(CACHE),
                job=JOB, jobin="/mnt", ts=ts))
    return "\n".join(parts) + "\necho guest-commands-done\n"


def phase_times(text):
    """'boot and scenario Ns, host-drgn Ns, ...' from the guest's stamps."""
    out, prev = [], None
    for line in text.splitlines():
        f = line.split()
        if len(f) < 2:
            continue
        if f[0].endswith("-start"):
            if prev is None and len(f) > 2:
                out.append(f"boot and scenario {float(f[2]):.0f}s")
        else:
            out.append(f"{f[0]} {float(f[1]) - float(prev):.1f}s")
        prev = f[1]
    return ", ".join(out)


def parse_kmsg(path):
    """PGMAPCHECK-PGMAP / -INJECT lines of the test module."""
    pgmaps, faults = {}, []
    with open(path, errors="replace") as f:
        for line in f:
            fields = dict(kv.split("=", 1) for kv in line.split()[1:]
                          if "=" in kv)
            if line.startswith("PGMAPCHECK-PGMAP "):
                ranges = []
                for k, v in fields.items():
                    m = re.fullmatch(r"range\d+", k)
                    if m:
                        s, e = v.split("-")
                        ranges.append((int(s, 16), int(e, 16)))
                pgmaps[int(fields["addr"], 16)] = (fields.get("type"),
                                                   sorted(ranges))
            elif line.startswith("PGMAPCHECK-INJECT "):
                faults.append((fields["code"], int(fields["pfn"], 16)))
    return pgmaps, faults


def read(job, name):
    try:
        with open(os.path.join(job, name), errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def load_json(job, name):
    try:
        return json.loads(read(job, name))
    except ValueError:
        return None


def covering(pgmaps, pfn):
    for a, (_, ranges) in pgmaps.items():
        if any(s <= pfn <= e for s, e in ranges):
            return a
    return None


def main():
    krels = kernel_releases()
    if not krels:
        check("live prerequisites", False,
              f"no kernel with a {SCENARIO} dump in {CACHE} (make vmcores)")
        return
    for krel in krels:
        live_kernel(krel)


def live_kernel(krel):
    newer = suite_of(krel) != "bookworm"
    toolsets = ["host"] + (["sid"] if newer else [])
    need = [GUEST, os.path.join(CACHE, "kernels", krel, "vmlinux"),
            os.path.join(ROOT, "libinspect/build/pgmapcheck"),
            os.path.join(ROOT, "libinspect/build/libinspect.so.1"),
            "/usr/bin/drgn"]
    if newer:
        # the sid build (tests/sid.t makes it too; this may run first)
        subprocess.run([os.path.join(ROOT, "vmcores/sid-chroot"), "run",
                        "make", "-s", "-C", os.path.join(ROOT, "libinspect"),
                        "BUILD=build-sid"], capture_output=True, timeout=1800)
        need += [os.path.join(ROOT, "libinspect/build-sid/pgmapcheck"),
                 os.path.join(SID_ROOT, "usr/bin/drgn")]
    missing = [p for p in need if not os.path.exists(p)]
    if not check(f"live {krel} prerequisites", not missing,
                 f"missing {missing} (tests/sid.t makes build-sid)"):
        return
    with tempfile.TemporaryDirectory(prefix="pgmc-live-") as tmp:
        job = os.path.join(tmp, "job")
        os.makedirs(job)
        with open(os.path.join(job, "live-both.py"), "w") as f:
            f.write(BOTH)
        stage_checkout(os.path.join(job, "checkout"),
                       ["build"] + (["build-sid"] if newer else []))
        t0 = time.time()
        try:
            p = subprocess.run([GUEST, "run", "--krel", krel, "--scenario",
                                SCENARIO, "--then", guest_cmd(krel, toolsets),
                                "--keep", job],
                               capture_output=True, text=True,
                               timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            check(f"live {krel} guest", False, f"no result after {TIMEOUT}s")
            return
        if not check(f"live {krel} guest ran the commands",
                     "guest-commands-done" in p.stdout,
                     f"exit {p.returncode}: {p.stderr[-400:]} "
                     f"{p.stdout[-300:]} {read(job, 'console.log')[-300:]}"):
            return
        print(f"# live {krel}: guest {time.time() - t0:.0f}s; "
              f"{phase_times(read(job, 'times'))}", flush=True)
        for ts in toolsets:
            evaluate(job, krel, ts, must_open=ts != "host" or not newer)


def evaluate(job, krel, ts, must_open=True):
    """One toolset's documents.  must_open: a drgn that cannot open the
    live kernel is a failure, else a skip with drgn's own error."""
    tag = f"live {krel} {ts}"
    pgmaps, faults = parse_kmsg(os.path.join(job, "kmsg.log"))
    print(f"# {tag}: {len(pgmaps)} pgmaps, injected "
          f"{', '.join(f'{c}@{p:#x}' for c, p in faults)}")
    check(f"{tag} ground truth (test module lines)", pgmaps and faults,
          f"{len(pgmaps)} pgmaps, {len(faults)} injections in kmsg.log")
    docs = {}
    # clibtf: the CLI without a vmlinux, types and symbols from the running
    # kernel itself (/sys/kernel/btf/vmlinux, /proc/kallsyms)
    for fe in ("drgn", "cli", "clibtf"):
        doc = load_json(job, f"{ts}-{fe}.json")
        rc = read(job, f"{ts}-{fe}.rc").strip()
        err = read(job, f"{ts}-{fe}.err")
        if doc is None and fe == "drgn" and not must_open:
            print(f"skip {tag} drgn - this drgn cannot open the live kernel: "
                  f"{' '.join(err.split())[-300:]}", flush=True)
            continue
        if not check(f"{tag} {fe} json", doc is not None,
                     f"exit {rc}: {err[-400:]}"):
            continue
        docs[fe] = doc
        # Faults were injected: the default --fail-on error must say so.
        check(f"{tag} {fe} exit status 1", rc == "1", f"exit {rc}")
        check(f"{tag} {fe} target is live",
              doc.get("target", {}).get("source") == "live",
              f"target {doc.get('target')}")
        got = {int(p["address"], 16): (p.get("type"),
                                       sorted((r["start_pfn"], r["end_pfn"])
                                              for r in p.get("ranges", ())))
               for p in doc.get("pgmaps", ())}
        check(f"{tag} {fe} pgmaps equal the module's", got == pgmaps,
              f"{ {hex(a): v for a, v in got.items()} } != "
              f"{ {hex(a): v for a, v in pgmaps.items()} }")
        seen = {(f["code"], f.get("pfn")) for f in doc.get("findings", ())}
        missing = [f"{c}@{p:#x}" for c, p in faults if (c, p) not in seen]
        check(f"{tag} {fe} reports every injected fault", not missing,
              f"not reported: {missing}")
        extra = [f"{f['code']}@{f.get('pfn')}"
                 for f in doc.get("findings", ())
                 if f.get("severity") == "error"
                 and (f["code"], f.get("pfn")) not in set(faults)]
        check(f"{tag} {fe} no other errors", not extra,
              f"unexpected: {extra[:10]}")
    def errors(fe):
        return [(f["code"], f.get("pfn")) for f in docs[fe]["findings"]
                if f.get("severity") == "error"]
    for fe in ("drgn", "clibtf"):
        if fe in docs and "cli" in docs:
            a, b = errors(fe), errors("cli")
            check(f"{tag} {fe} errors equal the cli's", a == b, f"{a} != {b}")
    if "clibtf" in docs:
        src = docs["clibtf"].get("target", {}).get("vmlinux", "")
        check(f"{tag} clibtf types from the kernel's BTF",
              "btf:" in src and "kallsyms" in src, f"target.vmlinux {src!r}")

    h = load_json(job, f"{ts}-helpers.json")
    if h is None and "drgn" not in docs and not must_open:
        print(f"skip {tag} helpers - this drgn cannot open the live kernel",
              flush=True)
        return
    if not check(f"{tag} helpers ran", h is not None,
                 f"exit {read(job, ts + '-helpers.rc').strip()}: "
                 f"{read(job, ts + '-helpers.err')[-400:]}"):
        return
    check(f"{tag} helpers on /proc/kcore", h.get("live") is True,
          f"live={h.get('live')}")
    check(f"{tag} for_each_dev_pagemap",
          sorted(int(a, 16) for a in h["pgmaps"]) == sorted(pgmaps),
          f"{h['pgmaps']} != {[hex(a) for a in pgmaps]}")
    info = {int(i["address"], 16): (i["type"], sorted(map(tuple,
                                                          i["ranges"])))
            for i in h["info"]}
    check(f"{tag} dev_pagemap_info types and ranges", info == pgmaps,
          f"{info} != {pgmaps}")
    bad = []
    for c, pfn in faults:
        got = h["pgmap_of_pfn"].get(str(pfn))
        exp = covering(pgmaps, pfn)
        if (None if got is None else int(got, 16)) != exp:
            bad.append(f"{c}@{pfn:#x}: {got} != {exp and hex(exp)}")
    check(f"{tag} pgmap_of_pfn of injected pfns", not bad, "; ".join(bad))
    seen = {tuple(f) for f in h["findings"]}
    missing = [f"{c}@{p:#x}" for c, p in faults if (c, p) not in seen]
    check(f"{tag} check_pgmaps reports every injected fault", not missing,
          f"not reported: {missing}")


if __name__ == "__main__":
    if len(sys.argv) == 4:	# re-evaluate a kept job: JOB KREL TOOLSET
        evaluate(sys.argv[1], sys.argv[2], sys.argv[3])
    else:
        main()
