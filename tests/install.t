#!/usr/bin/python3
# The Debian packages, installed and run from the installed locations only.
#
# bookworm (the host's toolset): `make deb` builds the five packages and
# lintian finds no error in them; they are installed with dpkg into a
# throwaway root (an overlay over a cached debootstrap'ed bookworm with crash
# 8 and drgn 0.0.22) into which no path of the source tree is mounted, only
# the corpus dump and its vmlinux; there
#   - /usr/bin/pgmapcheck --json (and --summary) on the dump,
#   - crash: "extend pgmapcheck.so" by name from /usr/lib/crash/extensions,
#     "pgmapcheck -j" and "-s", "help pgmapcheck",
#   - "import pgmapcheck_drgn" (check_pgmaps), "python3 -m pgmapcheck_drgn",
#     the drgn.plugins entry point and a plugin that stays inert on drgn
#     0.0.22 (no drgn.commands there),
#   - a program built against libinspect-dev (pkg-config, header, library),
#     and its example (findings.c, the findings through the getters),
# each give the JSON (all but "target" and timings) of the build tree's CLI
# (libinspect/build/pgmapcheck) on the same dump, and the same summary text.
#
# sid (the sid chroot of vmcores/sid-chroot: crash 9, drgn 0.3 with
# commands and plugins): the packages are built there too (debian/build-debs
# in a throwaway overlay over the sid chroot plus a cached layer holding
# debhelper, lintian & co., installed here at run time: vmcores/sid-chroot.pkgs
# is not changed) and checked the same way, plus
#   - run_command(prog, "pgmapcheck --json > FILE") in a python3 that never
#     imports pgmapcheck_drgn (drgn loads the plugin from the entry point),
#   - %pgmapcheck --json / --summary typed in the drgn shell (drgn -c -s on a
#     pty), whose report names the dump and vmlinux drgn was opened with,
#   - pip install of drgn-scripts/ (pyproject.toml) into a venv: its entry
#     point registers the command too.
#
# Built packages, the bookworm root and the sid layer are cached under
# $PGMAPCHECK_CACHE/install and $PGMAPCHECK_CACHE/chroot, keyed by the hash
# of the packaged sources (debian/ libinspect/ crash-ext/ drgn-scripts/
# README Makefile) and of the roots' package lists: a warm run only installs
# and runs (about a minute).  Needs root (unshare, overlayfs, chroot).
# PGMAPCHECK_INSTALL_SUITES="bookworm sid" (default) chooses the toolsets.
import fcntl
import glob
import hashlib
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
import testlib  # noqa: E402
from testlib import load_json, stable  # noqa: E402
from testlib import ROOT, CACHE, report, skip  # noqa: E402

WORK = os.path.join(CACHE, "install")
MIRROR = os.environ.get("PGMAPCHECK_MIRROR", "http://deb.debian.org/debian")
SUITES = os.environ.get("PGMAPCHECK_INSTALL_SUITES", "bookworm sid").split()
PACKAGES = ("libinspect1", "libinspect-dev", "pgmapcheck", "crash-pgmapcheck",
            "python3-pgmapcheck")
PACKAGED = ("debian", "libinspect", "crash-ext", "drgn-scripts", "README",
            "Makefile")
BUILD_CLI = os.path.join(ROOT, "libinspect", "build", "pgmapcheck")
SID_CHROOT = os.path.join(ROOT, "vmcores", "sid-chroot")
# The bookworm root: what the checks run besides our packages (their
# Depends are added from the built packages).
BOOKWORM_PKGS = ("crash", "python3-drgn", "gcc", "libc6-dev", "pkgconf")
# The sid layer: building the packages there (the Build-Depends missing
# from it are installed by build-debs in the throwaway build root), the
# checks' tools.
SID_LAYER_PKGS = ("build-essential", "debhelper", "dh-python",
                  "pybuild-plugin-pyproject", "python3-all",
                  "python3-setuptools", "python3-build", "python3-installer",
                  "pkgconf", "libkdumpfile-dev", "libdw-dev", "libelf-dev", "libbpf-dev",
                  "crash", "python3-drgn", "lintian", "python3-pip",
                  "python3-venv", "bsdutils")
LAYER_VERSION = "1"
STEP_TIMEOUT = 1800
STARTED = time.monotonic()


def note(msg):
    print(f"# install: {msg} ({time.monotonic() - STARTED:.0f}s)",
          file=sys.stderr, flush=True)


def run(cmd, timeout=STEP_TIMEOUT, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    return subprocess.run(cmd, timeout=timeout, stdin=subprocess.DEVNULL,
                          **kw)


def sha(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def source_files():
    p = run(["git", "-C", ROOT, "ls-files", "-z", "-co", "--exclude-standard",
             "--", *PACKAGED])
    if p.returncode != 0:
        return None
    return sorted(f for f in set(p.stdout.split("\0"))
                  if f and os.path.isfile(os.path.join(ROOT, f)))


def source_key(files):
    h = hashlib.sha256()
    for f in files:
        path = os.path.join(ROOT, f)
        h.update(f.encode() + b"\0" + oct(os.stat(path).st_mode).encode())
        with open(path, "rb") as fh:
            h.update(hashlib.sha256(fh.read()).digest())
    return h.hexdigest()[:16]


def copy_sources(files, dest):
    """The sources git knows into dest (what debian/build-debs copies)."""
    for f in files:
        d = os.path.join(dest, os.path.dirname(f))
        os.makedirs(d, exist_ok=True)
        shutil.copy2(os.path.join(ROOT, f), d)


def mismatch(want, got):
    return testlib.mismatch(want, got, ("build tree", "installed"))


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return None


class Lock:
    def __init__(self, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.f = open(path, "w")

    def __enter__(self):
        fcntl.flock(self.f, fcntl.LOCK_EX)
        return self

    def __exit__(self, *a):
        fcntl.flock(self.f, fcntl.LOCK_UN)
        self.f.close()


# A root filesystem in a private mount namespace: an overlay (lowers, then
# a writable upper) or a plain directory, /proc and /dev, and bind mounts
# (host path, path inside, read-only?); the script runs in it under a clean
# environment and everything is unmounted when it ends.
_IN_ROOT = r'''
set -e
mnt=$1 lower=$2 upper=$3 work=$4 binds=$5 script=$6
if [ -n "$upper" ]; then
	mount -t overlay overlay -o "lowerdir=$lower,upperdir=$upper,workdir=$work" "$mnt"
else
	mount --bind "$lower" "$mnt"
fi
mount -t proc proc "$mnt/proc"
mount --rbind /dev "$mnt/dev"
cp -L /etc/resolv.conf "$mnt/etc/resolv.conf" 2>/dev/null || true
while IFS='|' read -r src dst mode; do
	[ -n "$src" ] || continue
	if [ -d "$src" ]; then mkdir -p "$mnt$dst"; else mkdir -p "$(dirname "$mnt$dst")"; touch "$mnt$dst"; fi
	mount --bind "$src" "$mnt$dst"
	[ "$mode" = ro ] && mount -o remount,bind,ro "$mnt$dst"
done <<< "$binds"
exec chroot "$mnt" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root LANG=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive \
	/bin/bash -c "$script"
'''


def in_root(lowers, upper, binds, script, timeout=STEP_TIMEOUT):
    """Run script (bash) in a root made of lowers (a list, top first) and
    upper (a directory made writable on top, None: lowers[0] itself)."""
    os.makedirs(WORK, exist_ok=True)
    mnt = tempfile.mkdtemp(prefix="mnt-", dir=WORK)
    work = None
    try:
        if upper:
            os.makedirs(upper, exist_ok=True)
            work = tempfile.mkdtemp(prefix="ovl-work-", dir=WORK)
        blines = "\n".join(f"{s}|{d}|{'ro' if ro else 'rw'}"
                           for s, d, ro in binds)
        return run(["unshare", "-m", "--propagation", "private", "bash", "-c",
                    _IN_ROOT, "_", mnt, ":".join(lowers), upper or "",
                    work or "", blines, script], timeout=timeout)
    finally:
        os.rmdir(mnt)
        if work:
            shutil.rmtree(work, ignore_errors=True)


def deb_depends(debs):
    """The packages the debs depend on (first alternative), not ours: their
    names and the relations as written (versions included)."""
    names, rels = set(), set()
    for deb in debs:
        for field in ("Depends", "Pre-Depends"):
            p = run(["dpkg-deb", "-f", deb, field])
            for rel in p.stdout.split(","):
                alt = rel.split("|")[0].strip()
                m = re.match(r"([a-z0-9][a-z0-9+.-]+)", alt)
                if m and m.group(1) not in PACKAGES:
                    names.add(m.group(1))
                    rels.add(alt)
    return sorted(names), sorted(rels)


# ---------------------------------------------------------------- packages

def built_debs(d):
    return {os.path.basename(f).split("_")[0]: f
            for f in glob.glob(os.path.join(d, "*.deb"))}


def byproducts():
    """dpkg-buildpackage's output files beside the tree."""
    return set(glob.glob(os.path.join(os.path.dirname(ROOT),
                                      "pgmapcheck_*"))) | \
        set(glob.glob(os.path.join(os.path.dirname(ROOT), "*inspect*.deb")))


def build_bookworm(key):
    """make deb on the host, cached by the sources' hash."""
    d = os.path.join(WORK, "debs", f"bookworm-{key}")
    if not os.path.exists(os.path.join(d, "status")):
        note("make deb (bookworm)")
        tmp = tempfile.mkdtemp(prefix="debs-", dir=WORK)
        t0 = time.monotonic()
        before = byproducts()
        p = run(["make", "-s", "-C", ROOT, "deb", f"DEBDIR={tmp}"])
        new = byproducts() - before
        report("bookworm/make deb leaves nothing beside the tree", not new,
               sorted(new))
        if not keep_debs(p, t0, tmp, d, "bookworm/make deb"):
            shutil.rmtree(tmp, ignore_errors=True)
            return None
    return d


def keep_debs(p, t0, out, d, name):
    """A package build's log and status (process p, started at t0) into
    its output directory out; if it built the packages, out becomes d (the
    cache for these sources) and d is returned, else the failure is
    reported as name and None returned."""
    with open(os.path.join(out, "build.log"), "w") as f:
        f.write(p.stdout + p.stderr)
    with open(os.path.join(out, "status"), "w") as f:
        f.write(f"{p.returncode} {time.monotonic() - t0:.0f}\n")
    if not built_debs(out):
        report(name, False,
               f"exit {p.returncode}: {(p.stdout + p.stderr)[-400:]}")
        return None
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.dirname(d), exist_ok=True)
    os.rename(out, d)
    return d


def check_debs(label, d):
    debs = built_debs(d)
    status = read(os.path.join(d, "status")) or "? ?"
    rc, secs = status.split()[:2]
    report(f"{label}/packages built: {' '.join(PACKAGES)}",
           set(debs) == set(PACKAGES),
           f"built {sorted(debs)} (exit {rc})")
    lint = read(os.path.join(d, "lintian.txt"))
    if lint is None:
        report(f"{label}/lintian ran", False, "no lintian.txt")
    else:
        errors = [ln for ln in lint.splitlines() if ln.startswith("E: ")]
        warnings = [ln for ln in lint.splitlines() if ln.startswith("W: ")]
        report(f"{label}/lintian: no error", not errors and rc == "0",
               "; ".join(errors) or f"build-debs exit {rc}")
        print(f"# {label} lintian: {len(errors)} errors, {len(warnings)} "
              f"warnings{': ' if warnings else ''}"
              f"{'; '.join(warnings)[:600]}", flush=True)
    if set(debs) != set(PACKAGES):
        return None

    def contents(pkg):
        p = run(["dpkg-deb", "-c", debs[pkg]])
        return [ln.split()[5].lstrip(".") for ln in p.stdout.splitlines()]

    files = {pkg: contents(pkg) for pkg in PACKAGES}
    lib = [f for f in files["libinspect1"]
           if re.fullmatch(r"/usr/lib/[^/]+/libinspect\.so\.[0-9.]+", f)]
    soname = None
    with tempfile.TemporaryDirectory(dir=WORK) as x:
        run(["dpkg-deb", "-x", debs["libinspect1"], x])
        for f in lib:
            p = run(["objdump", "-p", x + f])
            m = re.search(r"SONAME\s+(\S+)", p.stdout)
            soname = soname or (m and m.group(1))
        run(["dpkg-deb", "-x", debs["python3-pgmapcheck"], x])
        eps = glob.glob(os.path.join(
            x, "usr/lib/python3/dist-packages/*.dist-info/entry_points.txt"))
        ep = read(eps[0]) if eps else ""
    m = soname and re.fullmatch(r"libinspect\.so\.(\d+)", soname)
    report(f"{label}/libinspect1 ships the SONAME it is named after",
           m and f"libinspect{m.group(1)}" == "libinspect1",
           f"SONAME {soname} in {lib}")
    report(f"{label}/crash-pgmapcheck installs into crash's extension "
           "directory",
           "/usr/lib/crash/extensions/pgmapcheck.so" in
           files["crash-pgmapcheck"], files["crash-pgmapcheck"])
    report(f"{label}/python3-pgmapcheck declares the drgn.plugins entry point",
           re.search(r"^\[drgn\.plugins\]\s*\npgmapcheck\s*=\s*"
                     r"pgmapcheck_drgn\.plugin\s*$", ep, re.M), ep)
    want = {"pgmapcheck": "/usr/share/man/man1/pgmapcheck.1.gz",
            "python3-pgmapcheck": "/usr/share/man/man7/pgmapcheck_drgn.7.gz",
            "libinspect-dev": "/usr/include/libinspect.h"}
    for pkg, f in want.items():
        report(f"{label}/{pkg} ships {f}", f in files[pkg], files[pkg][:20])
    return debs


def check_versions():
    """debian/changelog, libinspect/Makefile and pyproject.toml agree."""
    def grab(path, rx):
        m = re.search(rx, read(os.path.join(ROOT, path)) or "", re.M)
        return m and m.group(1)
    deb = grab("debian/changelog", r"^pgmapcheck \(([^)-]+)")
    lib = grab("libinspect/Makefile", r"^VERSION\s*:?=\s*(\S+)")
    py = grab("drgn-scripts/pyproject.toml", r'^version\s*=\s*"([^"]+)"')
    report("versions agree (debian/changelog, libinspect, pyproject.toml)",
           deb and deb == lib == py,
           f"changelog {deb}, libinspect/Makefile {lib}, pyproject {py}")


# ------------------------------------------------------------------- roots

def bookworm_root(debs):
    """The cached bookworm root: debootstrap minbase, then BOOKWORM_PKGS and
    the packages our debs depend on."""
    base = os.path.join(CACHE, "chroot", "install-bookworm")
    names, rels = deb_depends(debs.values())
    pkgs = sorted(set(BOOKWORM_PKGS) | set(names))
    # a new version in our Depends (a point release) updates the root too
    stamp = sha(LAYER_VERSION, *pkgs, *rels)
    with Lock(os.path.join(CACHE, "chroot", ".install-bookworm.lock")):
        if read(os.path.join(base, ".pgmc-install-stamp")) == stamp:
            return base, None
        if not os.path.exists(os.path.join(base, ".pgmc-bootstrapped")):
            note("debootstrap --variant=minbase bookworm (once, a few "
                 "minutes)")
            shutil.rmtree(base, ignore_errors=True)
            p = run(["debootstrap", "--variant=minbase", "bookworm", base,
                     MIRROR])
            if p.returncode != 0:
                return None, f"debootstrap: {(p.stdout + p.stderr)[-300:]}"
            open(os.path.join(base, ".pgmc-bootstrapped"), "w").close()
        note(f"bookworm root: apt-get install {' '.join(pkgs)}")
        with open(os.path.join(base, "etc/apt/apt.conf.d/99pgmapcheck"),
                  "w") as f:
            f.write('APT::Install-Recommends "false";\n')
        p = in_root([base], None, [], "apt-get update -q && apt-get install "
                    "-y -q " + " ".join(pkgs) + " && apt-get clean")
        if p.returncode != 0:
            return None, f"apt-get: {(p.stdout + p.stderr)[-300:]}"
        with open(os.path.join(base, ".pgmc-install-stamp"), "w") as f:
            f.write(stamp)
    return base, None


def sid_layer():
    """The cached sid layer over the sid chroot: SID_LAYER_PKGS.  Remade
    when the sid chroot's package set changes (its dpkg status)."""
    p = run([SID_CHROOT, "ensure"], timeout=3600)
    if p.returncode != 0:
        return None, None, f"sid-chroot ensure: {p.stderr[-300:]}"
    sid = run([SID_CHROOT, "path"]).stdout.strip()
    with open(os.path.join(sid, "var/lib/dpkg/status"), "rb") as f:
        status = f.read()
    stamp = sha(LAYER_VERSION, status, *SID_LAYER_PKGS)
    layer = os.path.join(CACHE, "chroot", "install-sid-layer")
    with Lock(os.path.join(CACHE, "chroot", ".install-sid-layer.lock")):
        if read(os.path.join(layer, ".pgmc-install-stamp")) != stamp:
            note("sid layer: apt-get install " + " ".join(SID_LAYER_PKGS))
            shutil.rmtree(layer, ignore_errors=True)
            upper = os.path.join(layer, "upper")
            p = in_root([sid], upper, [], "apt-get update -q && apt-get "
                        "install -y -q " + " ".join(SID_LAYER_PKGS) +
                        " && apt-get clean")
            if p.returncode != 0:
                return None, None, \
                    f"apt-get: {(p.stdout + p.stderr)[-300:]}"
            with open(os.path.join(layer, ".pgmc-install-stamp"), "w") as f:
                f.write(stamp)
    return [os.path.join(layer, "upper"), sid], stamp, None


def build_sid(key, lowers, files):
    """debian/build-debs in a throwaway root over the sid layer."""
    d = os.path.join(WORK, "debs", f"sid-{key}")
    if os.path.exists(os.path.join(d, "status")):
        return d
    note("building the packages in sid")
    run_dir = tempfile.mkdtemp(prefix="sid-build-", dir=WORK)
    try:
        src = os.path.join(run_dir, "src", "pgmapcheck")
        copy_sources(files, src)
        out = os.path.join(run_dir, "out")
        os.makedirs(out)
        t0 = time.monotonic()
        p = in_root(lowers, os.path.join(run_dir, "upper"),
                    [(os.path.join(run_dir, "src"), "/build/src", True),
                     (out, "/build/out", False)],
                    "/build/src/pgmapcheck/debian/build-debs /build/out")
        return keep_debs(p, t0, out, d, "sid/build-debs")
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


# ------------------------------------------------------------------ checks

# Runs in the installed root, as root, with the dump and vmlinux mounted
# read-only at their own paths and /out writable; nothing else of the host.
_CHECKS = r'''
set -u
D=$1 V=$2 SUITE=$3
cd /tmp
if [ "$SUITE" = sid ]; then
	# pip (pyproject.toml) first, before python3-pgmapcheck is there; only
	# libinspect1 comes from the packages
	dpkg -i /debs/libinspect1_*.deb > /out/dpkg-lib.log 2>&1
	cp -r /src/drgn-scripts /tmp/ds
	{ python3 -m venv --system-site-packages /tmp/venv &&
	  /tmp/venv/bin/pip install --no-index --no-build-isolation /tmp/ds &&
	  /tmp/venv/bin/python3 /out/command.py "$D" "$V" /out/pip
	} > /out/pip.log 2>&1
	echo $? > /out/pip.rc
	rm -rf /tmp/venv /tmp/ds
fi
dpkg -i /debs/*.deb > /out/dpkg.log 2>&1
echo $? > /out/dpkg.rc
dpkg-query -W -f '${Package} ${Version} ${Status}\n' %(packages)s > /out/dpkg-query.txt 2>&1
command -v pgmapcheck > /out/which.txt

pgmapcheck --json --no-progress -k "$V" "$D" > /out/cli.json 2> /out/cli.err
echo $? > /out/cli.rc
pgmapcheck --summary --no-progress -k "$V" "$D" > /out/cli-summary.txt 2>&1
pgmapcheck --list-codes --json > /out/cli-codes.json 2>&1
pgmapcheck --help > /out/cli-help.txt 2>&1
pkg-config --modversion libinspect > /out/pc-version.txt 2>&1

cat > /tmp/li.c <<'EOF'
#include <stdio.h>
#include <libinspect.h>
int main(void)
{
	size_t n = 0;
	li_codes(&n);
	printf("%%s %%zu\n", li_version(), n);
	return n == 0;
}
EOF
{ gcc -Wall -Werror -o /tmp/li /tmp/li.c $(pkg-config --cflags --libs libinspect) &&
  /tmp/li > /out/dev.txt && ldd /tmp/li | grep libinspect >> /out/dev.txt
} > /out/dev.log 2>&1
echo $? > /out/dev.rc
# the example libinspect-dev ships, built the way its comment says
ex=/usr/share/doc/libinspect-dev/examples/findings.c
[ -f "$ex" ] || { zcat "$ex.gz" > /tmp/findings.c; ex=/tmp/findings.c; }
gcc -Wall -Werror -o /tmp/findings "$ex" $(pkg-config --cflags --libs libinspect) > /out/example-cc.log 2>&1
echo $? > /out/example-cc.rc
/tmp/findings "$D" "$V" > /out/example.txt 2> /out/example.err
echo $? > /out/example.rc

cat > /tmp/crash.in <<EOF
extend pgmapcheck.so
pgmapcheck -j > /out/crash.json
pgmapcheck -s > /out/crash-summary.txt
help pgmapcheck > /out/crash-help.txt
q
EOF
timeout 900 crash -s "$V" "$D" -i /tmp/crash.in > /out/crash.log 2>&1
echo $? > /out/crash.rc

timeout 900 python3 /out/helpers.py "$D" "$V" > /out/helpers.log 2>&1
echo $? > /out/helpers.rc
timeout 900 python3 -m pgmapcheck_drgn --json --no-progress -k "$V" "$D" > /out/pym.json 2> /out/pym.err
echo $? > /out/pym.rc

if python3 -c 'import drgn.commands' 2> /dev/null; then
	timeout 900 python3 /out/command.py "$D" "$V" /out/cmd > /out/cmd.log 2>&1
	echo $? > /out/cmd.rc
	printf '%%%%pgmapcheck --json > /out/shell.json\n%%%%pgmapcheck --summary > /out/shell-summary.txt\nexit()\n' |
		TERM=xterm PYTHON_BASIC_REPL=1 timeout 900 script -q -e -c "drgn -q -c $D -s $V" /dev/null > /out/shell.log 2>&1
	echo $? > /out/shell.rc
fi
exit 0
''' % {"packages": " ".join(PACKAGES)}

# The helpers and the plugin as a drgn 0.0.22 user sees them.
_HELPERS_PY = r'''
import gc, json, os, sys
gc.disable()	# drgn 0.0.22 may segfault collecting Programs (tests/drgn.t)
dump, vmlinux = sys.argv[1:3]
out = {}
import pgmapcheck_drgn
from pgmapcheck_drgn import _libinspect, cli, check_pgmaps
import pgmapcheck_drgn.plugin as plugin
import drgn
out["module"] = pgmapcheck_drgn.__file__
out["have_commands"] = plugin.HAVE_COMMANDS
out["drgn"] = drgn.__version__
_libinspect.library()
with open("/proc/self/maps") as f:
    out["libinspect"] = sorted({l.split()[-1] for l in f if "libinspect" in l})
import importlib.metadata as md
try:
    eps = md.entry_points(group="drgn.plugins")
except TypeError:
    eps = md.entry_points().get("drgn.plugins", ())
out["entry_points"] = sorted(f"{e.name}={e.value}" for e in eps)
prog = cli.open_program(dump, vmlinux)
r = check_pgmaps(prog)
with open("/out/helpers.json", "w") as f:
    json.dump(r.report, f)
out["errors"] = len(r.errors())
with open("/out/helpers-info.json", "w") as f:
    json.dump(out, f)
sys.stdout.flush()
os._exit(0)
'''

# The command through drgn.commands, without importing pgmapcheck_drgn: the
# plugin must come from the drgn.plugins entry point.
_COMMAND_PY = r'''
import gc, json, os, sys
gc.disable()
dump, vmlinux, stem = sys.argv[1:4]
info = {"imported_before": "pgmapcheck_drgn" in sys.modules}
import drgn
from drgn.commands import run_command
prog = drgn.Program()
prog.set_core_dump(dump)
prog.load_debug_info([vmlinux])
info["plugin_loaded"] = "pgmapcheck_drgn.plugin" in sys.modules
info["status"] = run_command(prog, f"pgmapcheck --json > {stem}.json")
run_command(prog, f"pgmapcheck --summary > {stem}-summary.txt")
run_command(prog, f"pgmapcheck --list-codes --json > {stem}-codes.json")
run_command(prog, f"pgmapcheck --help > {stem}-help.txt")
info["module"] = sys.modules["pgmapcheck_drgn"].__file__
with open(f"{stem}-info.json", "w") as f:
    json.dump(info, f)
sys.stdout.flush()
os._exit(0)
'''


def check_root(label, lowers, debs_dir, files, dump, vmlinux, ref):
    run_dir = tempfile.mkdtemp(prefix=f"{label}-run-", dir=WORK)
    try:
        out = os.path.join(run_dir, "out")
        os.makedirs(out)
        for name, text in (("helpers.py", _HELPERS_PY),
                           ("command.py", _COMMAND_PY),
                           ("checks.sh", _CHECKS)):
            with open(os.path.join(out, name), "w") as f:
                f.write(text)
        binds = [(debs_dir, "/debs", True), (out, "/out", False),
                 (os.path.dirname(dump), os.path.dirname(dump), True),
                 (os.path.dirname(vmlinux), os.path.dirname(vmlinux), True)]
        if label == "sid":
            src = os.path.join(run_dir, "src")
            copy_sources([f for f in files if f.startswith("drgn-scripts/")],
                         src)
            binds.append((os.path.join(src, "drgn-scripts"),
                          "/src/drgn-scripts", True))
        t0 = time.monotonic()
        p = in_root(lowers, os.path.join(run_dir, "upper"), binds,
                    "bash /out/checks.sh " + " ".join(
                        shlex.quote(a) for a in (dump, vmlinux, label)))
        note(f"{label}: installed and ran the frontends in "
             f"{time.monotonic() - t0:.0f}s")
        if not report(f"{label}/throwaway root", p.returncode == 0,
                      p.stderr[-300:]):
            return
        judge(label, out, dump, vmlinux, ref)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def rc_of(out, name):
    t = read(os.path.join(out, name + ".rc"))
    return int(t) if t and t.strip().lstrip("-").isdigit() else None


def help_options(text):
    """The options a --help lists ("  -j, --json  ...", "      --no-x ...")."""
    opts = set()
    for m in re.finditer(r"^ {2,}(-[\w-]+(?:, --[\w-]+)?)", text or "", re.M):
        opts.update(re.findall(r"--?[\w-]+", m.group(1)))
    return opts


def judge(label, out, dump, vmlinux, ref):
    """ref: the build tree CLI's JSON document, exit status, summary."""
    ref, ref_rc, ref_sum = ref
    L = label + "/"
    f = lambda n: os.path.join(out, n)  # noqa: E731
    q = read(f("dpkg-query.txt")) or ""
    installed = re.findall(r"^(\S+) \S+ install ok installed$", q, re.M)
    report(L + "dpkg -i the packages", rc_of(out, "dpkg") == 0 and
           sorted(installed) == sorted(PACKAGES),
           f"exit {rc_of(out, 'dpkg')}: {(read(f('dpkg.log')) or '')[-300:]}"
           f" {q}")

    def same(name, doc, frontend, why="", paths=True):
        """doc equals the reference; its target names the frontend (and
        the dump and vmlinux it was opened with)."""
        if doc is None:
            return report(L + name, False, why or "no JSON")
        ok = report(L + name, stable(doc) == stable(ref),
                    mismatch(stable(ref), stable(doc)))
        tgt = doc.get("target", {})
        what = name.split(" = ")[0]
        if paths:
            report(f"{L}{what}: target names the dump and vmlinux",
                   tgt.get("frontend") == frontend and
                   tgt.get("source") == dump and
                   tgt.get("vmlinux") == vmlinux, f"target {tgt}")
        else:
            report(f"{L}{what}: target frontend {frontend}",
                   tgt.get("frontend") == frontend, f"target {tgt}")
        return ok

    # the CLI
    which = (read(f("which.txt")) or "").strip()
    report(L + "pgmapcheck is /usr/bin/pgmapcheck", which ==
           "/usr/bin/pgmapcheck", which)
    same("cli JSON = build tree's", load_json(f("cli.json")), "cli",
         f"exit {rc_of(out, 'cli')}: {read(f('cli.err'))}")
    report(L + "cli exit status = build tree's",
           rc_of(out, "cli") == ref_rc, f"{rc_of(out, 'cli')} vs {ref_rc}")
    report(L + "cli summary text = build tree's",
           read(f("cli-summary.txt")) == ref_sum,
           f"{read(f('cli-summary.txt'))!r:.200}")

    # libinspect-dev
    dev = read(f("dev.txt")) or ""
    pcv = (read(f("pc-version.txt")) or "").strip()
    report(L + "libinspect-dev: pkg-config, header and library link",
           rc_of(out, "dev") == 0 and dev.startswith(pcv + " ") and
           re.search(r"libinspect\.so\.1 => (/usr)?/lib/[^ ]+/libinspect"
                     r"\.so\.1 ", dev),
           f"pc {pcv!r} out {dev!r} {(read(f('dev.log')) or '')[-300:]}")

    # the example findings.c: the findings (code, pfn) and pgmaps (address,
    # type) of the JSON, read through the getters; exit 1 on an error
    ex = read(f("example.txt")) or ""
    got = [(c, int(p, 16)) for c, p in
           re.findall(r"^finding (\S+) \S+ pfn 0x([0-9a-f]+) ", ex, re.M)]
    want = [(x["code"], x["pfn"]) for x in ref["findings"]]
    gpm = [(int(a, 16), t) for a, t in
           re.findall(r"^pgmap 0x([0-9a-f]+) (\S+) ", ex, re.M)]
    wpm = [(int(g["address"], 16), g["type"]) for g in ref["pgmaps"]]
    report(L + "libinspect-dev: examples/findings.c builds with pkg-config, "
           "its findings and pgmaps = the CLI JSON's",
           rc_of(out, "example-cc") == 0 and got == want and gpm == wpm and
           rc_of(out, "example") == (1 if ref["summary"]["errors"] else 0),
           f"cc {rc_of(out, 'example-cc')} "
           f"{(read(f('example-cc.log')) or '')[-200:]} exit "
           f"{rc_of(out, 'example')} {(read(f('example.err')) or '')[-200:]}"
           f" findings {got[:4]} vs {want[:4]} pgmaps {gpm} vs {wpm}")

    # crash
    log = read(f("crash.log")) or ""
    report(L + "crash: extend pgmapcheck.so loads "
           "/usr/lib/crash/extensions/pgmapcheck.so",
           "/usr/lib/crash/extensions/pgmapcheck.so: shared object loaded"
           in log, f"exit {rc_of(out, 'crash')}: {log[-300:]}")
    same("crash JSON = build tree's", load_json(f("crash.json")), "crash",
         log[-300:])
    report(L + "crash summary text = build tree's",
           read(f("crash-summary.txt")) == ref_sum,
           f"{read(f('crash-summary.txt'))!r:.200}")
    h = read(f("crash-help.txt")) or ""
    report(L + "crash: help pgmapcheck", "NAME" in h and "pgmapcheck - "
           in h and "SYNOPSIS" in h, h[:200])

    # drgn helpers, python3 -m, plugin
    info = load_json(f("helpers-info.json")) or {}
    hlog = (read(f("helpers.log")) or "")[-300:]
    report(L + "import pgmapcheck_drgn from /usr/lib/python3/dist-packages",
           str(info.get("module", "")).startswith(
               "/usr/lib/python3/dist-packages/pgmapcheck_drgn/"),
           f"{info.get('module')} {hlog}")
    libs = info.get("libinspect") or []
    report(L + "pgmapcheck_drgn loads the installed libinspect.so.1",
           len(libs) == 1 and re.fullmatch(r"/usr/lib/[^/]+/libinspect\.so"
                                           r"\.[0-9.]+", libs[0]), libs)
    report(L + "drgn.plugins entry point pgmapcheck",
           "pgmapcheck=pgmapcheck_drgn.plugin" in
           info.get("entry_points", ()), info.get("entry_points"))
    same("helpers check_pgmaps JSON = build tree's",
         load_json(f("helpers.json")), "drgn", hlog, paths=False)
    doc = load_json(f("pym.json"))
    same("python3 -m pgmapcheck_drgn JSON = build tree's", doc, "drgn",
         (read(f("pym.err")) or "")[-300:])
    report(L + "python3 -m pgmapcheck_drgn exit status = build tree's",
           rc_of(out, "pym") == ref_rc, f"{rc_of(out, 'pym')}")

    if not info.get("have_commands"):
        report(L + f"plugin inert on drgn {info.get('drgn')} (no "
               "drgn.commands)", "have_commands" in info and
               rc_of(out, "cmd") is None, info)
        skip(L + "%pgmapcheck", f"drgn {info.get('drgn')} has no "
             "drgn.commands")
        return

    # the command, from code and from the shell
    cinfo = load_json(f("cmd-info.json")) or {}
    clog = (read(f("cmd.log")) or "")[-300:]
    report(L + "run_command: plugin loaded by drgn from the entry point",
           cinfo.get("imported_before") is False and
           cinfo.get("plugin_loaded") is True and
           str(cinfo.get("module", ""))
           .startswith("/usr/lib/python3/dist-packages/"), f"{cinfo} {clog}")
    same("run_command pgmapcheck --json = build tree's",
         load_json(f("cmd.json")), "drgn", clog)
    report(L + "run_command returns the CLI's exit status",
           cinfo.get("status") == ref_rc, f"{cinfo.get('status')}")
    report(L + "run_command pgmapcheck --summary = build tree's text",
           read(f("cmd-summary.txt")) == ref_sum,
           f"{read(f('cmd-summary.txt'))!r:.200}")
    # the dump and vmlinux are what drgn was opened with (--types: drgn's
    # debug info or the kernel's BTF, no --btf FILE)
    cli_opts = help_options(read(f("cli-help.txt"))) - {
        "-k", "--vmlinux", "--btf"}
    cmd_opts = help_options(read(f("cmd-help.txt")))
    report(L + "pgmapcheck command options = the CLI's (but -k, --btf)",
           len(cli_opts) > 10 and cli_opts == cmd_opts,
           f"CLI only {sorted(cli_opts - cmd_opts)}, command only "
           f"{sorted(cmd_opts - cli_opts)}")
    codes = read(f("cli-codes.json"))
    report(L + "run_command pgmapcheck --list-codes --json = the CLI's",
           codes and read(f("cmd-codes.json")) == codes and
           load_json(f("cli-codes.json")),
           f"{read(f('cmd-codes.json'))!r:.100} vs {codes!r:.100}")
    slog = (read(f("shell.log")) or "")[-300:]
    same("drgn shell %pgmapcheck --json = build tree's",
         load_json(f("shell.json")), "drgn", slog)
    report(L + "drgn shell %pgmapcheck --summary = build tree's text",
           read(f("shell-summary.txt")) == ref_sum,
           f"{read(f('shell-summary.txt'))!r:.200} {slog}")

    if rc_of(out, "pip") is not None:
        pinfo = load_json(f("pip-info.json")) or {}
        plog = (read(f("pip.log")) or "")[-400:]
        report(L + "pip install drgn-scripts (pyproject.toml) into a venv",
               rc_of(out, "pip") == 0 and "/tmp/venv/" in
               str(pinfo.get("module")), f"{pinfo} {plog}")
        same("pip-installed run_command pgmapcheck --json = build tree's",
             load_json(f("pip.json")), "drgn", plog)


# -------------------------------------------------------------------- main

def find_dump():
    """A 6.1 ELF dump (crash 8.0.2 opens only 6.1), the faults scenario
    first: it has findings."""
    cands = []
    for m in sorted(glob.glob(os.path.join(CACHE, "corpus", "6.1.0-*", "*",
                                           "manifest.json"))):
        man = load_json(m) or {}
        for d in man.get("dumps", ()):
            if d.get("format") != "elf":
                continue
            path = d["path"] if os.path.isabs(d["path"]) else \
                os.path.join(os.path.dirname(m), d["path"])
            k = man.get("kernel", {})
            v = k.get("vmlinux") or os.path.join(
                CACHE, "kernels", k.get("release", ""), "vmlinux")
            if os.path.exists(path) and os.path.exists(v):
                cands.append((man.get("scenario") != "faults", path, v))
    return sorted(cands)[0][1:] if cands else (None, None)


def main():
    if os.geteuid() != 0:
        skip("install", "needs root (unshare, overlayfs mounts, chroot)")
        return 0
    check_versions()
    dump, vmlinux = find_dump()
    if not dump:
        skip("install", "no 6.1 ELF dump with its vmlinux in the corpus "
             f"({CACHE}/corpus): make vmcores")
        return 0
    files = source_files()
    if not files:
        report("install: git ls-files", False, "not a git work tree?")
        return 0
    key = source_key(files)
    if not os.path.exists(BUILD_CLI):
        run(["make", "-s", "-C", os.path.join(ROOT, "libinspect")])
    p = run([BUILD_CLI, "--json", "--no-progress", "-k", vmlinux, dump])
    ref = load_json_text(p.stdout)
    if not report("build tree CLI JSON (the reference)", ref is not None,
                  f"exit {p.returncode}: {p.stderr[-300:]}"):
        return 0
    ref = (ref, p.returncode, run([BUILD_CLI, "--summary", "--no-progress",
                                   "-k", vmlinux, dump]).stdout)
    note(f"sources {key}, dump {dump}")

    with Lock(os.path.join(WORK, ".lock")):
        # what a killed run left (no other run: the lock is ours)
        for pat in ("mnt-*", "ovl-work-*", "*-run-*", "debs-*", "sid-build-*"):
            for x in glob.glob(os.path.join(WORK, pat)):
                shutil.rmtree(x, ignore_errors=True)
        if "bookworm" in SUITES:
            d = build_bookworm(key)
            debs = d and check_debs("bookworm", d)
            if debs:
                base, why = bookworm_root(debs)
                if report("bookworm/root (debootstrap, cached)", base, why):
                    check_root("bookworm", [base], d, files, dump, vmlinux,
                               ref)
        if "sid" in SUITES:
            lowers, stamp, why = sid_layer()
            if report("sid/root (sid chroot + cached layer)", lowers, why):
                d = build_sid(f"{key}-{stamp}", lowers, files)
                debs = d and check_debs("sid", d)
                if debs:
                    check_root("sid", lowers, d, files, dump, vmlinux, ref)
        prune(key)
    note("done")
    return 0


def load_json_text(text):
    try:
        return json.loads(text)
    except ValueError:
        return None


def prune(key):
    """Keep the packages of the current sources only."""
    for d in glob.glob(os.path.join(WORK, "debs", "*")):
        if key not in os.path.basename(d):
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
