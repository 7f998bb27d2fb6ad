#!/usr/bin/python3
# The live-kernel path: boot the corpus kernel under QEMU with the faults
# scenario (faults injected by the test module), and inside the guest run
#   drgn -s VMLINUX drgn-scripts/pgmapcheck.py --json     (on /proc/kcore)
#   libinspect/build/pgmapcheck --json -k VMLINUX         (CLI live mode)
#   the helpers (for_each_dev_pagemap, pgmap_of_pfn, check_pgmaps)
# through the corpus generator's harness (vmcores/guest run --then); the
# guest sees the host root read-only, so drgn and our build are there.
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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.environ.get("PGMAPCHECK_CACHE",
                       os.path.expanduser("~/.cache/pgmapcheck"))
GUEST = os.path.join(ROOT, "vmcores/guest")
SCENARIO = os.environ.get("PGMAPCHECK_LIVE_SCENARIO", "faults")
TIMEOUT = 1800
JOB = "/run/pgmc/job"	# the job directory, as the guest sees it


def check(name, cond, why):
    """One TAP-ish line: ok NAME / not ok NAME - why."""
    line = f"ok {name}" if cond else \
        f"not ok {name} - {' '.join(str(why).split())[:500]}"
    print(line, flush=True)
    return bool(cond)


def kernel_release():
    krel = os.environ.get("KREL")
    if krel:
        return krel
    for m in sorted(glob.glob(os.path.join(CACHE, "corpus", "*", SCENARIO,
                                           "manifest.json"))):
        with open(m) as f:
            return json.load(f)["kernel"]["release"]
    kernels = sorted(os.listdir(os.path.join(CACHE, "kernels"))) \
        if os.path.isdir(os.path.join(CACHE, "kernels")) else []
    return kernels[0] if kernels else None


# What the guest needs from this checkout.  The guest sees the host root
# read-only but has its own tmpfs on /tmp (where a CI clone may live), so the
# build and the scripts are staged into the job directory it shares.
STAGE = ("drgn-scripts/pgmapcheck.py", "drgn-scripts/pgmapcheck_drgn",
         "libinspect/build/pgmapcheck", "libinspect/build/libinspect.so.1")


def stage_checkout(dest):
    for rel in STAGE:
        src, dst = os.path.join(ROOT, rel), os.path.join(dest, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if os.path.isdir(src):
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns(
                "__pycache__"))
        else:
            shutil.copy2(src, dst)


# Runs inside the guest (bash).  Everything lands in the job directory.
GUEST_CMD = r"""
cd {root} || exit 97
V={vmlinux}
export PGMAPCHECK_CACHE={cache}
timeout 1200 /usr/bin/drgn -q -s $V drgn-scripts/pgmapcheck.py --json \
	--no-progress > {job}/drgn.json 2> {job}/drgn.err
echo $? > {job}/drgn.rc
timeout 1200 libinspect/build/pgmapcheck --json --no-progress -k $V \
	> {job}/cli.json 2> {job}/cli.err
echo $? > {job}/cli.rc
timeout 1200 /usr/bin/python3 - $V > {job}/helpers.json \
	2> {job}/helpers.err <<'EOF'
import json, sys
sys.path.insert(0, "drgn-scripts")
import pgmapcheck_drgn as h
from pgmapcheck_drgn.cli import open_program
prog = open_program(None, sys.argv[1])
pfns = [int(m.split("pfn=")[1].split()[0], 16)
        for m in open("{job}/kmsg.log") if m.startswith("PGMAPCHECK-INJECT")]
of = {{}}
for pfn in pfns:
    o = h.pgmap_of_pfn(prog, pfn)
    of[str(pfn)] = None if o is None else hex(o.value_())
r = h.check_pgmaps(prog)
json.dump({{
    "pgmaps": [hex(o.value_()) for o in h.for_each_dev_pagemap(prog)],
    "info": [dict(address=hex(i.address), type=i.type, ranges=i.ranges)
             for i in h.dev_pagemap_info(prog)],
    "pgmap_of_pfn": of,
    "findings": [[f.code, f.pfn] for f in r.findings],
    "live": bool(prog.flags & __import__("drgn").ProgramFlags.IS_LIVE),
}}, sys.stdout)
EOF
echo $? > {job}/helpers.rc
echo guest-commands-done
"""


def parse_kmsg(path):
    """PGMAPCHECK-PGMAP / -INJECT lines of the test module."""
    pgmaps, faults = {}, []
    with open(path, errors="replace") as f:
        for line in f:
            fields = dict(kv.split("=", 1) for kv in line.split()[1:]
                          if "=" in kv)
            if line.startswith("PGMAPCHECK-PGMAP"):
                ranges = []
                for k, v in fields.items():
                    m = re.fullmatch(r"range\d+", k)
                    if m:
                        s, e = v.split("-")
                        ranges.append((int(s, 16), int(e, 16)))
                pgmaps[int(fields["addr"], 16)] = (fields.get("type"),
                                                   sorted(ranges))
            elif line.startswith("PGMAPCHECK-INJECT"):
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
    krel = kernel_release()
    if not krel:
        check("live prerequisites", False,
              f"no kernel in {CACHE} (make vmcores)")
        return
    vmlinux = os.path.join(CACHE, "kernels", krel, "vmlinux")
    missing = [p for p in (GUEST, vmlinux,
                           os.path.join(ROOT, "libinspect/build/pgmapcheck"),
                           os.path.join(ROOT,
                                        "libinspect/build/libinspect.so.1"),
                           "/usr/bin/drgn")
               if not os.path.exists(p)]
    if not check("live prerequisites", not missing, f"missing {missing}"):
        return
    cmd = GUEST_CMD.format(root=JOB + "/checkout",
                           vmlinux=shlex.quote(vmlinux),
                           cache=shlex.quote(CACHE), job=JOB)
    with tempfile.TemporaryDirectory(prefix="pgmc-live-") as tmp:
        job = os.path.join(tmp, "job")
        stage_checkout(os.path.join(job, "checkout"))
        try:
            p = subprocess.run([GUEST, "run", "--krel", krel, "--scenario",
                                SCENARIO, "--then", cmd, "--keep", job],
                               capture_output=True, text=True,
                               timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            check("live guest", False, f"no result after {TIMEOUT}s")
            return
        if not check("live guest ran the commands",
                     "guest-commands-done" in p.stdout,
                     f"exit {p.returncode}: {p.stderr[-400:]} "
                     f"{read(job, 'console.log')[-400:]}"):
            return
        evaluate(job)


def evaluate(job):
    pgmaps, faults = parse_kmsg(os.path.join(job, "kmsg.log"))
    print(f"# guest: {len(pgmaps)} pgmaps, injected "
          f"{', '.join(f'{c}@{p:#x}' for c, p in faults)}")
    check("live ground truth (test module lines)", pgmaps and faults,
          f"{len(pgmaps)} pgmaps, {len(faults)} injections in kmsg.log")
    docs = {}
    for fe in ("drgn", "cli"):
        doc = load_json(job, f"{fe}.json")
        rc = read(job, f"{fe}.rc").strip()
        if not check(f"live {fe} json", doc is not None,
                     f"exit {rc}: {read(job, fe + '.err')[-400:]}"):
            continue
        docs[fe] = doc
        # Faults were injected: the default --fail-on error must say so.
        check(f"live {fe} exit status 1", rc == "1", f"exit {rc}")
        check(f"live {fe} target is live",
              doc.get("target", {}).get("source") == "live",
              f"target {doc.get('target')}")
        got = {int(p["address"], 16): (p.get("type"),
                                       sorted((r["start_pfn"], r["end_pfn"])
                                              for r in p.get("ranges", ())))
               for p in doc.get("pgmaps", ())}
        check(f"live {fe} pgmaps equal the module's", got == pgmaps,
              f"{ {hex(a): v for a, v in got.items()} } != "
              f"{ {hex(a): v for a, v in pgmaps.items()} }")
        seen = {(f["code"], f.get("pfn")) for f in doc.get("findings", ())}
        missing = [f"{c}@{p:#x}" for c, p in faults if (c, p) not in seen]
        check(f"live {fe} reports every injected fault", not missing,
              f"not reported: {missing}")
        extra = [f"{f['code']}@{f.get('pfn')}"
                 for f in doc.get("findings", ())
                 if f.get("severity") == "error"
                 and (f["code"], f.get("pfn")) not in set(faults)]
        check(f"live {fe} no other errors", not extra,
              f"unexpected: {extra[:10]}")
    if len(docs) == 2:
        a = [(f["code"], f.get("pfn")) for f in docs["drgn"]["findings"]
             if f.get("severity") == "error"]
        b = [(f["code"], f.get("pfn")) for f in docs["cli"]["findings"]
             if f.get("severity") == "error"]
        check("live drgn errors equal the cli's", a == b, f"{a} != {b}")

    h = load_json(job, "helpers.json")
    if not check("live helpers ran", h is not None,
                 f"exit {read(job, 'helpers.rc').strip()}: "
                 f"{read(job, 'helpers.err')[-400:]}"):
        return
    check("live helpers on /proc/kcore", h.get("live") is True,
          f"live={h.get('live')}")
    check("live for_each_dev_pagemap",
          sorted(int(a, 16) for a in h["pgmaps"]) == sorted(pgmaps),
          f"{h['pgmaps']} != {[hex(a) for a in pgmaps]}")
    info = {int(i["address"], 16): (i["type"], sorted(map(tuple,
                                                          i["ranges"])))
            for i in h["info"]}
    check("live dev_pagemap_info types and ranges", info == pgmaps,
          f"{info} != {pgmaps}")
    bad = []
    for c, pfn in faults:
        got = h["pgmap_of_pfn"].get(str(pfn))
        exp = covering(pgmaps, pfn)
        if (None if got is None else int(got, 16)) != exp:
            bad.append(f"{c}@{pfn:#x}: {got} != {exp and hex(exp)}")
    check("live pgmap_of_pfn of injected pfns", not bad, "; ".join(bad))
    seen = {tuple(f) for f in h["findings"]}
    missing = [f"{c}@{p:#x}" for c, p in faults if (c, p) not in seen]
    check("live check_pgmaps reports every injected fault", not missing,
          f"not reported: {missing}")


if __name__ == "__main__":
    if len(sys.argv) == 2:	# re-evaluate a kept job directory
        evaluate(sys.argv[1])
    else:
        main()
