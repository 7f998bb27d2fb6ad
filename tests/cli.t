#!/bin/bash
# The pgmapcheck CLI (usage and input errors, --help/--version/--list-codes),
# `make install` + pkg-config, and the shipped target (libkdumpfile + libdw,
# libinspect/src/kdump_target.c) against drgn and crash on the real corpus.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/testlib.sh"

# ---- build ---------------------------------------------------------------
probe=$tmp/target-probe
if "$here/build-target-probe" "$probe" 2>"$tmp/build.log"; then
	pass "build libinspect, the CLI and target-probe"
else
	fail "build libinspect, the CLI and target-probe" "$(cat "$tmp/build.log")"
	exit 1
fi

# ---- usage errors: exit 2 and say what is wrong ----------------------------
expect "usage: unknown option" 2 "unrecognized option" "$cli" --no-such-option
expect "usage: -k without argument" 2 "requires an argument" "$cli" -k
expect "usage: bad --fail-on" 2 "fail-on: 'sometimes'" "$cli" --fail-on sometimes
expect "usage: --pfn END below START" 2 "END is below START" "$cli" --pfn 0x20-0x10
expect "usage: --pfn not a number" 2 "--pfn: 'zz' is not a pfn" "$cli" --pfn zz
expect "usage: --pgmap not an address" 2 "--pgmap: 'foo'" "$cli" --pgmap foo
expect "usage: --pfn with a sign" 2 "--pfn" "$cli" --pfn " -1"
expect "usage: --pfn octal-looking 010 is decimal, range reversed" 2 "--pfn" "$cli" --pfn "010-9"
expect "usage: --max-findings 0" 2 "--max-findings" "$cli" --max-findings 0
expect "usage: two dumps" 2 "unexpected argument 'b'" "$cli" a b
expect "usage: --summary with --verbose" 2 "exclude each other" "$cli" --summary --verbose

# ---- --help, --version, --list-codes --------------------------------------
run "$cli" --help
missing=""
for o in SYNOPSIS "EXIT STATUS" --vmlinux --json --pgmap --pfn --summary --verbose \
	--fail-on --max-findings --no-vmemmap --no-hugetlb --no-holders --progress --no-progress \
	--list-codes --version --help; do
	grep -q -- "$o" "$tmp/out" || missing="$missing $o"
done
if [ "$rc" -eq 0 ] && [ -z "$missing" ]; then
	pass "--help documents every option"
else
	fail "--help documents every option" "exit $rc, missing:$missing"
fi

run "$cli" --version
version=$(sed -n 's/^pgmapcheck (libinspect) \([0-9][0-9.]*\), JSON schema [0-9][0-9]*$/\1/p' "$tmp/out")
if [ "$rc" -eq 0 ] && [ -n "$version" ]; then
	pass "--version"
else
	fail "--version" "exit $rc: $(head -c 200 "$tmp/out")"
fi

run "$cli" --list-codes
bad=""
for cs in PGMAP_DANGLING:error PGMAP_RANGE:error PGMAP_REF_DEAD:error \
	REFCOUNT_BELOW_IDLE:error TAIL_REFCOUNT:error TAIL_HEAD_MISMATCH:error \
	HEAD_ORDER_MISMATCH:error ZONE_MISMATCH:error \
	VMEMMAP_UNEXPECTED:warning MEMMAP_NOT_CAPTURED:info; do
	grep -Eq "^${cs%%:*} +${cs##*:} +[a-z]" "$tmp/out" || bad="$bad $cs"
done
if [ "$rc" -eq 0 ] && [ -z "$bad" ]; then
	pass "--list-codes: required codes with severity and meaning"
else
	fail "--list-codes: required codes with severity and meaning" "exit $rc, wrong:$bad"
fi
text_codes=$(awk '{print $1}' "$tmp/out" | sort | tr '\n' ' ')
run "$cli" --list-codes --json
json_codes=$($py -c 'import json,sys; print(" ".join(sorted(c["code"] for c in json.load(sys.stdin) if c["severity"] in ("error","warning","info") and c["summary"])))' <"$tmp/out" 2>&1)
if [ "$rc" -eq 0 ] && [ "$json_codes " = "$text_codes" ]; then
	pass "--list-codes --json: same table as JSON"
else
	fail "--list-codes --json: same table as JSON" "exit $rc: '$json_codes' vs '$text_codes'"
fi

# ---- input errors that need no dump -------------------------------------------
head -c 1048576 /dev/urandom >"$tmp/garbage"
: >"$tmp/empty"
printf 'not an ELF file\n' >"$tmp/text"
expect "input: missing dump" 2 "cannot open .*No such file" "$cli" "$tmp/nope"
expect "input: garbage dump" 2 "not a readable dump" "$cli" "$tmp/garbage"
expect "input: empty dump" 2 "not a readable dump" "$cli" "$tmp/empty"
expect "input: directory as dump" 2 "is not a regular file" "$cli" "$tmp"
mkfifo "$tmp/fifo"
expect "input: FIFO as dump (must not block)" 2 "is not a regular file" timeout 10 "$cli" "$tmp/fifo"
printf 'KDUMP   ' >"$tmp/kdump-sig"
expect "input: kdump signature only (libkdumpfile 0.5.1 frees it twice)" 2 "not a readable dump" "$cli" "$tmp/kdump-sig"

# ---- make install + pkg-config ---------------------------------------------------
stage=$tmp/stage
if make -C "$li" install PREFIX=/usr DESTDIR="$stage" >"$tmp/install.log" 2>&1; then
	pass "make install PREFIX=/usr DESTDIR=..."
else
	fail "make install PREFIX=/usr DESTDIR=..." "$(tail -3 "$tmp/install.log" | tr '\n' ' ')"
fi
missing=""
for f in usr/bin/pgmapcheck usr/lib/libinspect.so.1 usr/lib/libinspect.so \
	usr/lib/libinspect.a usr/include/libinspect.h \
	usr/lib/pkgconfig/libinspect.pc usr/share/man/man1/pgmapcheck.1; do
	[ -e "$stage/$f" ] || missing="$missing $f"
done
soname=$(readelf -d "$stage/usr/lib/libinspect.so.1" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [ -z "$missing" ] && [ -L "$stage/usr/lib/libinspect.so.1" ] &&
   [ -L "$stage/usr/lib/libinspect.so" ] && [ "$soname" = libinspect.so.1 ]; then
	pass "install: files, soname links"
else
	fail "install: files, soname links" "missing:$missing soname=$soname"
fi
exported=$(nm -D --defined-only "$stage/usr/lib/libinspect.so.1" | awk '$2 == "T" || $2 == "D" || $2 == "B" {print $3}')
foreign=$(echo "$exported" | grep -v '^li_' | tr '\n' ' ')
if echo "$exported" | grep -q '^li_check@@LIBINSPECT_1$' && [ -z "$foreign" ]; then
	pass "install: only li_* exported, versioned LIBINSPECT_1"
else
	fail "install: only li_* exported, versioned LIBINSPECT_1" "non-li symbols: $foreign"
fi
if grep -q '^prefix=/usr$' "$stage/usr/lib/pkgconfig/libinspect.pc" &&
   groff -man -Tascii -ww -z "$stage/usr/share/man/man1/pgmapcheck.1" 2>"$tmp/groff.log" &&
   [ ! -s "$tmp/groff.log" ]; then
	pass "install: pkg-config prefix, man page renders without warnings"
else
	fail "install: pkg-config prefix, man page renders without warnings" "$(head -c 200 "$tmp/groff.log")"
fi
cat >"$tmp/hello.c" <<'EOF'
#include <stdio.h>
#include <libinspect.h>
int main(void)
{
	size_t n;

	li_codes(&n);
	printf("%s %zu\n", li_version(), n);
	return n ? 0 : 1;
}
EOF
pcflags=$(PKG_CONFIG_PATH="$stage/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$stage" \
	pkg-config --cflags --libs libinspect 2>&1)
if cc -o "$tmp/hello" "$tmp/hello.c" $pcflags 2>"$tmp/hello.log" &&
   out=$(LD_LIBRARY_PATH="$stage/usr/lib" "$tmp/hello") &&
   [ "${out%% *}" = "$version" ] &&
   LD_LIBRARY_PATH="$stage/usr/lib" ldd "$tmp/hello" | grep -q "$stage/usr/lib/libinspect.so.1"; then
	pass "pkg-config: program builds against the staged library and runs ($out)"
else
	fail "pkg-config: program builds against the staged library and runs" \
		"flags '$pcflags': $(head -c 300 "$tmp/hello.log") out='${out:-}'"
fi

# ---- the corpus ----------------------------------------------------------------------
manifests=$(ls "$cache"/corpus/*/*/manifest.json 2>/dev/null)
if [ -z "$manifests" ]; then
	fail "corpus present" "no manifest under $cache/corpus (make vmcores)"
	exit 0
fi
pass "corpus present ($(echo "$manifests" | wc -l) scenarios)"

# One ELF dump (a KASLR one if there is) for the input-error cases.
read -r dump vmlinux release < <($py - $manifests <<'EOF'
import json, sys
best = None
for path in sys.argv[1:]:
    m = json.load(open(path))
    for d in m["dumps"]:
        if d["format"] == "elf":
            key = (bool(m["kernel"].get("kaslr")), d["path"], m["kernel"]["vmlinux"], m["kernel"]["release"])
            if best is None or key > best:
                best = key
if best:
    print(best[1], best[2], best[3])
EOF
)
if [ -z "${dump:-}" ]; then
	fail "corpus has an ELF dump" "no dump of format elf in any manifest"
	exit 0
fi

head -c 1048576 "$dump" >"$tmp/trunc-1m"
expect "input: truncated dump (1 MiB of an ELF vmcore)" 2 "truncated" "$cli" -k "$vmlinux" "$tmp/trunc-1m"
head -c 300000000 "$dump" >"$tmp/trunc-300m"
expect "input: truncated dump (300 MB of an ELF vmcore)" 2 "is truncated: 300000000 bytes" "$cli" -k "$vmlinux" "$tmp/trunc-300m"
rm -f "$tmp/trunc-300m"
expect "input: FIFO as vmlinux (must not block)" 2 "is not a regular file" timeout 10 "$cli" -k "$tmp/fifo" "$dump"
expect "input: -k a text file" 2 "not an ELF file" "$cli" -k "$tmp/text" "$dump"
expect "input: -k an ELF without DWARF" 2 "no usable DWARF" "$cli" -k /bin/true "$dump"

# A foreign kernel: DWARF, a linux_banner, and another build-id.
cat >"$tmp/fake.c" <<'EOF'
const char linux_banner[] = "Linux version 0.0.0-fake (nobody@nowhere) #1\n";
int main(void) { return linux_banner[0]; }
EOF
cc -g -o "$tmp/fake-id" "$tmp/fake.c" -Wl,--build-id=sha1
cc -g -o "$tmp/fake-noid" "$tmp/fake.c" -Wl,--build-id=none
if [ -n "$($probe -k "$vmlinux" "$dump" info:BUILD-ID | sed -n 's/^info:BUILD-ID=\([0-9a-f]\{16,\}\)$/\1/p')" ]; then
	expect "input: -k vmlinux with another build-id" 2 "build-id mismatch" "$cli" -k "$tmp/fake-id" "$dump"
else
	fail "input: -k vmlinux with another build-id" "the corpus dump has no VMCOREINFO BUILD-ID"
fi
expect "input: -k foreign vmlinux without build-id (banner check)" 2 "does not match" "$cli" -k "$tmp/fake-noid" "$dump"

# Without -k the vmlinux is found from OSRELEASE (here: in the cache).
found=""
for p in /usr/lib/debug/boot/vmlinux-$release /usr/lib/debug/lib/modules/$release/vmlinux \
	/lib/modules/$release/build/vmlinux /lib/modules/$release/vmlinux /boot/vmlinux-$release; do
	[ -e "$p" ] && found=$p && break
done
run env PGMAPCHECK_CACHE="$cache" "$probe" "$dump" sym:pgmap_array
if [ "$rc" -eq 0 ] && grep -qx "vmlinux=${found:-$cache/kernels/$release/vmlinux}" "$tmp/out"; then
	pass "vmlinux found from OSRELEASE without -k"
else
	fail "vmlinux found from OSRELEASE without -k" "exit $rc: $(head -c 300 "$tmp/out" "$tmp/err")"
fi
if [ -z "$found" ]; then
	# --types dwarf: the default (auto) falls back to the dump's BTF (tests/btf.t)
	rel_re=$(printf '%s' "$release" | sed 's/[.+]/\\&/g')
	expect "no vmlinux anywhere: exit 2 naming the places" 2 \
		"no debug vmlinux for kernel $rel_re \(looked in /usr/lib/debug/boot/vmlinux-$rel_re, .*$tmp/nocache/kernels/$rel_re/vmlinux" \
		env PGMAPCHECK_CACHE="$tmp/nocache" "$cli" --types dwarf "$dump"
else
	pass "no vmlinux anywhere: skipped, $found is installed"
fi

# The per-build-id memo of type/symbol answers: written by the first run,
# used by the second (same answers), and a corrupt memo is ignored.
queries="size:struct page off:struct dev_pagemap:vmemmap_shift off:struct page:pgmap enum:ZONE_DEVICE enum:NO_SUCH_ENUMERATOR_X sym:pgmap_array sym:runqueues symsize:node_data off:struct page:no_such_member"
memo_dir=$tmp/memo-cache
# shellcheck disable=SC2086
PGMAPCHECK_TYPE_CACHE=0 "$probe" -k "$vmlinux" "$dump" $queries >"$tmp/memo0" 2>&1
# shellcheck disable=SC2086
PGMAPCHECK_CACHE=$memo_dir "$probe" -k "$vmlinux" "$dump" $queries >"$tmp/memo1" 2>&1
memo=$(ls "$memo_dir"/types/*.memo 2>/dev/null | head -1)
# shellcheck disable=SC2086
PGMAPCHECK_CACHE=$memo_dir "$probe" -k "$vmlinux" "$dump" $queries >"$tmp/memo2" 2>&1
if [ -n "$memo" ] && cmp -s "$tmp/memo0" "$tmp/memo1" && cmp -s "$tmp/memo0" "$tmp/memo2" &&
   grep -q '^-2 0 0 E|NO_SUCH_ENUMERATOR_X|$' "$memo" && grep -q 'error -2' "$tmp/memo2"; then
	pass "type memo: second run answers the same from $(basename "$memo"), absent names included"
else
	fail "type memo: second run answers the same" "memo '$memo': $(diff "$tmp/memo0" "$tmp/memo2" | head -c 300)"
fi
[ -n "$memo" ] && head -c 4096 /dev/urandom >"$memo"
# shellcheck disable=SC2086
PGMAPCHECK_CACHE=$memo_dir "$probe" -k "$vmlinux" "$dump" $queries >"$tmp/memo3" 2>&1
if cmp -s "$tmp/memo0" "$tmp/memo3" && head -1 "$memo" | grep -q '^pgmapcheck-type-memo 1 '; then
	pass "type memo: a corrupt memo is ignored and rewritten"
else
	fail "type memo: a corrupt memo is ignored and rewritten" "$(diff "$tmp/memo0" "$tmp/memo3" | head -c 300)"
fi

# ---- the target backend against drgn (every dump) and crash (one dump a kernel) -----
# A dump the host's drgn or crash cannot open at all (crash 8.0.2 predates
# 6.12 and 7.x) is skipped with the tool's own error line; only trying tells.
PGMAPCHECK_CACHE=$cache PGMAPCHECK_TESTS=$here $py - "$probe" $manifests <<'EOF'
import json, os, subprocess, sys
import drgn
from drgn import offsetof, sizeof

probe = sys.argv[1]
manifests = [json.load(open(p)) for p in sys.argv[2:]]

TYPES = ["struct page", "struct dev_pagemap", "struct folio", "struct xa_node",
         "struct percpu_ref_data", "struct vmem_altmap", "struct hstate",
         "unsigned long", "pgd_t"]
MEMBERS = [("struct page", "flags"), ("struct page", "_refcount"),
           ("struct page", "compound_head"), ("struct page", "pgmap"),
           ("struct page", "zone_device_data"), ("struct page", "compound_order"),
           ("struct folio", "_folio_order"), ("struct dev_pagemap", "vmemmap_shift"),
           ("struct dev_pagemap", "ref.data"), ("struct dev_pagemap", "altmap.alloc"),
           ("struct dev_pagemap", "nr_range"), ("struct dev_pagemap", "ranges[1].end"),
           ("struct dev_pagemap", "type"), ("struct percpu_ref_data", "count"),
           ("struct xa_node", "slots"), ("struct hstate", "nr_huge_pages")]
ENUMS = ["ZONE_DEVICE", "MAX_NR_ZONES", "MEMORY_DEVICE_PRIVATE", "MEMORY_DEVICE_FS_DAX",
         "MEMORY_DEVICE_GENERIC", "MEMORY_DEVICE_PCI_P2PDMA", "PG_head", "PG_reserved",
         "HPG_vmemmap_optimized", "PGMAP_ALTMAP_VALID"]
# Per-cpu symbols are left out: drgn 0.0.22 relocates them by KERNELOFFSET,
# the kernel does not (they are checked against crash and rq.cpu below).
SYMS = ["pgmap_array", "dev_pagemap_percpu_release", "vmemmap_base", "init_top_pgt",
        "__per_cpu_offset", "hstates", "node_data", "linux_banner"]

def probe_answers(m, dump, queries, memo=False):
    # the DWARF and symtab themselves, not the per-build-id memo; memo=True
    # for reads only (a DWARF pass is half a second of CPU per run)
    env = dict(os.environ) if memo else dict(os.environ, PGMAPCHECK_TYPE_CACHE="0")
    out = subprocess.run([probe, "-k", m["kernel"]["vmlinux"], dump] + queries,
                         capture_output=True, text=True, timeout=300, env=env)
    if out.returncode:
        raise RuntimeError("target-probe failed: " + out.stderr.strip())
    ans = {}
    for line in out.stdout.splitlines():
        k, _, v = line.partition("=")
        ans[k] = v
    return ans

def drgn_answer(prog, q):
    kind, _, rest = q.partition(":")
    try:
        if kind == "size":
            return str(sizeof(prog.type(rest)))
        if kind == "off":
            t, _, mem = rest.partition(":")
            return str(offsetof(prog.type(t), mem))
        if kind == "enum":
            return str(prog.constant(rest).value_())
        if kind == "sym":
            return hex(prog.symbol(rest).address)
        if kind == "symsize":
            return str(prog.symbol(rest).size)
        if kind in ("readv", "readp"):
            a, _, n = rest.partition(":")
            return prog.read(int(a, 0), int(n, 0), kind == "readp").hex()
    except (LookupError, ValueError, drgn.FaultError):
        return "error"
    raise ValueError(q)

def report(name, bad, n):
    if bad:
        print("not ok %s - %d of %d differ: %s" % (name, len(bad), n, "; ".join(bad[:4])))
    else:
        print("ok %s (%d answers)" % (name, n))

def drgn_program(m, dump):
    prog = drgn.Program()
    prog.set_core_dump(dump)
    prog.load_debug_info([m["kernel"]["vmlinux"]])
    prog["init_uts_ns"].name.release.string_()     # one read: it really opened
    return prog

def drgn_error(e):
    return "drgn %s: %s: %s" % (drgn.__version__, type(e).__name__, " ".join(str(e).split()))

# drgn's answers are a function of the dump, the vmlinux and drgn: they are
# kept (ORACLE) and asked again only when one of those changes, since drgn's
# DWARF load per dump is most of this test's time.  libinspect's side is
# always computed.
ORACLE = os.path.join(os.environ["PGMAPCHECK_CACHE"], "cli-oracle-answers.json")
sys.path.insert(0, os.environ["PGMAPCHECK_TESTS"])
import testlib
saved = testlib.load(ORACLE)
kept = {}

def ident(path):
    st = os.stat(path)
    return [path, st.st_size, st.st_mtime_ns, st.st_ino]

class Drgn:
    """drgn on one dump (the ELF dump of the same stop if drgn 0.0.22 cannot
    read QEMU's kdump-compressed file), opened only for a new answer."""
    def __init__(self, m, dump, elf_dump):
        self.m, self.dump, self.elf, self.prog = m, dump, elf_dump, None
        self.key = json.dumps([drgn.__version__, ident(dump), elf_dump and ident(elf_dump),
                               ident(m["kernel"]["vmlinux"])])
        self.e = kept[self.key] = saved.get(self.key) or {"answers": {}}
        if "error" not in self.e:
            self.open()

    def open(self):
        e = self.e
        try:
            self.prog = drgn_program(self.m, self.dump)
            e.update(error=None, extra="")
        except Exception as ex:
            e.update(error=drgn_error(ex), extra="")
            if self.elf and self.dump != self.elf:
                try:
                    self.prog = drgn_program(self.m, self.elf)
                    e.update(error=None, extra=" (drgn: the ELF dump of the same stop)")
                except Exception:
                    pass

    def answer(self, q):
        a = self.e["answers"]
        if q not in a:
            if self.prog is None:
                self.open()
            a[q] = drgn_answer(self.prog, q)
        return a[q]

def crash_cannot_open(vmlinux, dump):
    """None if bare crash (only "q") starts up on the dump, else its own error line."""
    p = subprocess.run(["crash", "-s", vmlinux, dump], input="q\n", capture_output=True,
                       text=True, timeout=600)
    if p.returncode == 0:
        return None
    lines = [l.strip() for l in (p.stdout + p.stderr).splitlines() if l.strip()]
    errs = [l for l in lines if l.startswith("crash:")]
    return (errs or lines or ["crash exited with status %d" % p.returncode])[0]

PERCPU = ["sym:runqueues", "sym:__per_cpu_offset", "off:struct rq:cpu"]

def check_percpu(m, dump, tag, a):
    """runqueues + __per_cpu_offset[cpu] must be cpu's struct rq (a: the
    answers to PERCPU)."""
    rq, pco, off = int(a["sym:runqueues"], 16), int(a["sym:__per_cpu_offset"], 16), int(a["off:struct rq:cpu"])
    offs = probe_answers(m, dump, ["readv:%#x:16" % pco], memo=True)["readv:%#x:16" % pco]
    cpus = [int.from_bytes(bytes.fromhex(offs[i:i + 16]), "little") for i in (0, 16)]
    qs = ["readv:%#x:4" % ((rq + c + off) & (2**64 - 1)) for c in cpus]
    got = probe_answers(m, dump, qs, memo=True)
    vals = [int.from_bytes(bytes.fromhex(got[q]), "little") if not got[q].startswith("error") else None for q in qs]
    ok = vals == [0, 1]
    print("%s backend %s: per-cpu symbol unrelocated: runqueues at %#x, rq.cpu of cpus 0,1 = %s" % (
        "ok" if ok else "not ok", tag, rq, vals))

def check_dump(m, d, elf_dump):
    dump, fmt = d["path"], d["format"]
    tag = "%s/%s/%s" % (m["kernel"]["release"], m["scenario"], fmt)
    dr = Drgn(m, dump, elf_dump if fmt == "kdump" else None)
    if dr.e["error"]:
        print("skip backend %s - %s" % (tag, dr.e["error"]))
        return
    tag += dr.e["extra"]
    g = m["pgmaps"][0] if m["pgmaps"] else None
    pa = int(dr.answer("sym:pgmap_array"), 16)
    groups = {
        "types and member offsets": ["size:" + t for t in TYPES] +
            ["off:%s:%s" % tm for tm in MEMBERS],
        "enumerators": ["enum:" + e for e in ENUMS],
        "symbols (KASLR-relocated, per-cpu not)": ["sym:" + s for s in SYMS] +
            ["symsize:node_data", "symsize:pgmap_array"],
        "reads (virtual and physical)": ["readv:%#x:16" % pa, "readp:0x100000:4096",
            "readp:0x1000000:4096"] +
            (["readv:%s:%s" % (g["address"], dr.answer("size:struct dev_pagemap")),
              "readv:%s:4096" % g["page"]] if g else []),
    }
    queries = [q for qs in groups.values() for q in qs]
    # every question that depends on no other answer, in one target-probe
    # run (one DWARF pass); the answers are per question, as in separate runs
    info_q = ["info:OSRELEASE", "info:KERNELOFFSET"]
    oracle = [o for o in m.get("vmemmap_oracle", []) if o.get("frames")][:1]
    oracle_q = ["readv:%s:4096" % oracle[0]["va_start"],
                "readp:%s:4096" % hex(int(oracle[0]["frames"][0], 16) << 12)] if oracle else []
    errno_q = ["readv:0xffff800000000000:8", "readp:%#x:8" % (1 << 44)]
    ans = probe_answers(m, dump, queries + info_q + oracle_q + PERCPU + errno_q)
    for gname, qs in groups.items():
        bad = []
        for q in qs:
            mine, theirs = ans.get(q), dr.answer(q)
            if mine is None or (mine != theirs and not (theirs == "error" and mine.startswith("error"))):
                bad.append("%s: libinspect %s, drgn %s" % (q, (mine or "-")[:40], theirs[:40]))
        report("backend %s: %s equal drgn's" % (tag, gname), bad, len(qs))

    # VMCOREINFO, and the vmemmap translation against QEMU's gva2gpa oracle.
    info = {q: ans.get(q) for q in info_q}
    want = int(m["kernel"].get("kaslr_offset", "0x0"), 16)
    ok = info["info:OSRELEASE"] == m["kernel"]["release"] and \
        int(info["info:KERNELOFFSET"] or "0", 16) == want
    print("%s backend %s: vmcoreinfo OSRELEASE/KERNELOFFSET%s" % (
        "ok" if ok else "not ok", tag, "" if ok else " - got %r" % info))
    if oracle:
        qs, a = oracle_q, ans
        if a[qs[0]].startswith("error") and a[qs[1]].startswith("error"):
            print("ok backend %s: vmemmap page not captured, virtual and physical reads both fail (%s)" % (tag, a[qs[0]]))
        else:
            same = a[qs[0]] == a[qs[1]]
            print("%s backend %s: vmemmap page read by VA equals its gva2gpa frame read by PA%s" % (
                "ok" if same else "not ok", tag, "" if same else " - differ"))

    check_percpu(m, dump, tag.split(" ")[0], ans)

    # errno mapping: no translation -> -EFAULT, not in the dump -> -ENODATA.
    qs, a = errno_q, ans
    ok = a[qs[0]] == "error -14" and a[qs[1]] == "error -61"
    print("%s backend %s: unmapped VA gives -EFAULT, absent PA gives -ENODATA%s" % (
        "ok" if ok else "not ok", tag, "" if ok else " - got %s, %s" % (a[qs[0]], a[qs[1]])))

for m in manifests:
    elf = [x["path"] for x in m["dumps"] if x["format"] == "elf"]
    for d in m["dumps"]:
        try:
            check_dump(m, d, elf[0] if elf else None)
        except Exception as e:
            print("not ok backend %s/%s/%s - %s: %s" % (m["kernel"]["release"], m["scenario"],
                                                     d["format"], type(e).__name__, e))

# crash: symbol values of one ELF dump of each kernel, KASLR if there is one.
names = ["pgmap_array", "dev_pagemap_percpu_release", "runqueues", "vmemmap_base"]
# "ffffffff9135db50 (t) dev_pagemap_percpu_release mm/memremap.c: 163"
cmds = "".join("sym %s\n" % s for s in names) + "p sizeof(struct page)\np/x &((struct dev_pagemap *)0)->vmemmap_shift\np/d ZONE_DEVICE\nquit\n"
CRASH_VERSION = subprocess.run(["crash", "--version"], capture_output=True,
                               text=True).stdout.split("\n")[0]

def crash_session(vmlinux, dump, cmds):
    """crash's output (exit status, stdout, why it cannot open), kept as
    drgn's answers are."""
    key = json.dumps(["crash", CRASH_VERSION, ident(vmlinux), ident(dump), cmds])
    if key not in saved:
        p = subprocess.run(["crash", "-s", vmlinux, dump], input=cmds,
                           capture_output=True, text=True, timeout=600)
        saved[key] = [p.returncode, p.stdout,
                      crash_cannot_open(vmlinux, dump) if p.returncode else None]
    kept[key] = saved[key]
    return saved[key]

def check_crash(m, d):
    name = "backend %s/%s/elf: symbols (kaslr=%s), sizeof, offsetof, enum equal crash's" % (
        m["kernel"]["release"], m["scenario"], m["kernel"].get("kaslr"))
    rc, out, why = crash_session(m["kernel"]["vmlinux"], d["path"], cmds)
    if rc != 0:
        if why is not None:
            print("skip %s - %s" % (name, why))
            return
    crash_sym = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 3 and f[1].startswith("(") and f[2] in names:
            crash_sym[f[2]] = int(f[0], 16)
    vals = [l.split("=")[1].strip() for l in out.splitlines() if l.startswith("$")]
    ans = probe_answers(m, d["path"], ["sym:" + s for s in names] +
                        ["size:struct page", "off:struct dev_pagemap:vmemmap_shift", "enum:ZONE_DEVICE"])
    bad = [s for s in names if crash_sym.get(s) != int(ans["sym:" + s], 16)]
    mine = [ans["size:struct page"], hex(int(ans["off:struct dev_pagemap:vmemmap_shift"])), ans["enum:ZONE_DEVICE"]]
    if vals != mine:
        bad.append("sizeof/offsetof/enum: crash %s, libinspect %s" % (vals, mine))
    report(name, bad, len(names) + 3)

elfs = {}
for m in sorted(manifests, key=lambda m: bool(m["kernel"].get("kaslr")), reverse=True):
    for x in m["dumps"]:
        if x["format"] == "elf":
            elfs.setdefault(m["kernel"]["release"], (m, x))
for rel, (m, d) in sorted(elfs.items()):
    try:
        check_crash(m, d)
    except Exception as e:
        print("not ok backend %s vs crash - %s: %s" % (rel, type(e).__name__, e))
testlib.save(ORACLE, kept)
EOF
[ $? -eq 0 ] || fail "backend comparison" "the comparison script failed"

# ---- CLI options on the fault-injected dump -------------------------------------------------
fm=$(ls "$cache"/corpus/*/faults/manifest.json 2>/dev/null | head -1)
if [ -z "$fm" ]; then
	fail "options on the faults dump" "no faults scenario in $cache/corpus"
else
	read -r fdump fvml tpfn tpgmap dpgmap < <($py - "$fm" <<'EOF2'
import json, sys
m = json.load(open(sys.argv[1]))
f = {x["code"]: x for x in m["faults"]}
d = [x["path"] for x in m["dumps"] if x["format"] == "elf"][0]
print(d, m["kernel"]["vmlinux"], f["TAIL_REFCOUNT"]["pfn"], f["TAIL_REFCOUNT"]["pgmap"],
      f["PGMAP_REF_DEAD"]["pgmap"])
EOF2
)
	# json_expect NAME STATUS PYTHON-EXPR CMD...: the JSON report r (findings F)
	# of CMD must make EXPR evaluate to "ok" (else to what is wrong)
	json_expect() {
		local name=$1 want=$2 expr=$3 res
		shift 3
		run "$@"
		res=$($py -c "import json,sys; r=json.load(open(sys.argv[1])); F=r['findings']; print($expr)" "$tmp/out" 2>&1)
		if [ "$rc" -eq "$want" ] && [ "$res" = ok ]; then
			pass "$name"
		else
			fail "$name" "exit $rc (want $want): $(echo "$res" | head -c 300)"
		fi
	}
	errors="[f for f in F if f['severity'] == 'error']"
	expect "faults dump: default --fail-on error exits 1" 1 "" "$cli" -k "$fvml" "$fdump"
	expect "faults dump: --fail-on never exits 0" 0 "" "$cli" --fail-on never -k "$fvml" "$fdump"
	expect "faults dump: --fail-on warning exits 1" 1 "" "$cli" --fail-on warning -k "$fvml" "$fdump"
	expect "faults dump: --pgmap of no registered pgmap exits 2" 2 "not a registered dev_pagemap" "$cli" --pgmap 0x1234 -k "$fvml" "$fdump"
	json_expect "--pfn $tpfn: only that pfn's TAIL_REFCOUNT error" 1 \
		"'ok' if [(f['code'], f['pfn']) for f in $errors] == [('TAIL_REFCOUNT', $tpfn)] else F" \
		"$cli" --json --pfn "$tpfn" -k "$fvml" "$fdump"
	json_expect "--pfn START-END of clean pages: no error, exit 0" 0 \
		"'ok' if not $errors else F" \
		"$cli" --json --pfn "$((tpfn + 1))-$((tpfn + 3))" -k "$fvml" "$fdump"
	json_expect "--pgmap $dpgmap: only its PGMAP_REF_DEAD" 1 \
		"'ok' if [f['code'] for f in $errors] == ['PGMAP_REF_DEAD'] and all(f['pgmap'] == '$dpgmap' for f in F) else F" \
		"$cli" --json --pgmap "$dpgmap" -k "$fvml" "$fdump"
	json_expect "--max-findings 1: exact counts kept" 1 \
		"'ok' if r['summary']['findings_truncated'] and r['summary']['errors'] >= 8 and all(sum(f['code'] == c for f in F) == min(n, 1) for c, n in r['summary']['by_code'].items()) else r['summary']" \
		"$cli" --json --max-findings 1 -k "$fvml" "$fdump"
	json_expect "--no-hugetlb --no-holders: neither walked" 1 \
		"'ok' if not r['hugetlb']['walked'] and not r['hugetlb']['hstates'] and not r['holder_walk']['walked'] else (r['hugetlb'], r['holder_walk'])" \
		"$cli" --json --no-hugetlb --no-holders -k "$fvml" "$fdump"
	json_expect "--no-vmemmap: no vmemmap rows" 1 \
		"'ok' if r['vmemmap'] == [] and len(r['pgmaps']) == 3 else r['vmemmap']" \
		"$cli" --json --no-vmemmap -k "$fvml" "$fdump"
	run "$cli" --summary -k "$fvml" "$fdump"
	if [ "$rc" -eq 1 ] && grep -Eq '^SUMMARY: .* ([89]|[1-9][0-9]+) errors' "$tmp/out" && ! grep -q 'pfn 0x' "$tmp/out"; then
		pass "--summary: summary line, no finding lines"
	else
		fail "--summary: summary line, no finding lines" "exit $rc: $(head -c 300 "$tmp/out")"
	fi
	run "$cli" -k "$fvml" "$fdump"
	default_lines=$(wc -l <"$tmp/out")
	run "$cli" --verbose -k "$fvml" "$fdump"
	if [ "$rc" -eq 1 ] && [ "$(wc -l <"$tmp/out")" -gt "$default_lines" ]; then
		pass "--verbose: more than the default report"
	else
		fail "--verbose: more than the default report" "exit $rc, $(wc -l <"$tmp/out") lines vs $default_lines"
	fi
	run "$cli" --progress --summary -k "$fvml" "$fdump"
	if grep -q '^pgmapcheck: pages [0-9]*/[0-9]* ([0-9]*%)$' "$tmp/err"; then
		pass "--progress: progress lines on stderr"
	else
		fail "--progress: progress lines on stderr" "stderr: $(head -c 300 "$tmp/err")"
	fi
	# on a terminal the progress line is rewritten in place and cleared
	run script -qec "'$cli' --progress --summary -k '$fvml' '$fdump'" /dev/null
	if grep -q $'pgmapcheck: pages [0-9]*/[0-9]* ([0-9]*%)\r\033\[K' "$tmp/out" &&
	   grep -q '^SUMMARY: ' "$tmp/out"; then
		pass "--progress on a terminal: one line rewritten, then cleared"
	else
		fail "--progress on a terminal: one line rewritten, then cleared" "$(head -c 300 "$tmp/out" | od -c | head -5)"
	fi
	run "$cli" --summary -k "$fvml" "$fdump"
	[ ! -s "$tmp/err" ] && pass "no progress when stderr is not a terminal" ||
		fail "no progress when stderr is not a terminal" "stderr: $(head -c 200 "$tmp/err")"
fi

# ---- the same input errors under ASan+UBSan: exit 2, no sanitizer report ------------------
if make -C "$li" SANITIZE=1 >"$tmp/san-build.log" 2>&1; then
	san=$li/build-san/pgmapcheck
	bad=""
	for args in "$tmp/garbage" "$tmp/empty" "-k $vmlinux $tmp/trunc-1m" \
		"-k $tmp/text $dump" "-k /bin/true $dump" "-k $tmp/fake-id $dump" \
		"-k $tmp/fake-noid $dump" "--pfn 5-1 $dump"; do
		# shellcheck disable=SC2086
		run env ASAN_OPTIONS=detect_leaks=1 "$san" $args
		if [ "$rc" -ne 2 ] || grep -Eq 'Sanitizer|runtime error' "$tmp/err"; then
			bad="$bad [$args: exit $rc $(grep -m1 -E 'Sanitizer|runtime error' "$tmp/err")]"
		fi
	done
	[ -z "$bad" ] && pass "sanitizer build: input errors exit 2 without a sanitizer report" ||
		fail "sanitizer build: input errors exit 2 without a sanitizer report" "$bad"
	# A kdump-compressed dump with 2 MiB overwritten at 10%, 50% and 90%:
	# any exit status 0-2, never a crash, a hang or a sanitizer report.
	# (libkdumpfile 0.5.1 itself leaks on its error paths: suppressed.)
	read -r kd kdvml < <($py -c 'import json,sys
for p in sys.argv[1:]:
    m = json.load(open(p))
    for d in m["dumps"]:
        if d["format"].startswith("kdump"):
            print(d["path"], m["kernel"]["vmlinux"]); sys.exit()' $manifests)
	if [ -n "$kd" ]; then
		echo "leak:libkdumpfile.so" >"$tmp/lsan.supp"
		size=$(stat -c %s "$kd")
		bad=""
		for pct in 10 50 90; do
			cp "$kd" "$tmp/corrupt.kdump"
			head -c 2097152 /dev/zero | tr '\0' '\245' |
				dd of="$tmp/corrupt.kdump" bs=1M seek=$((size * pct / 100 / 1048576)) conv=notrunc status=none
			run env ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions="$tmp/lsan.supp" \
				"$san" --summary -k "$kdvml" "$tmp/corrupt.kdump"
			if [ "$rc" -gt 2 ] || grep -Eq 'ERROR: .*Sanitizer|runtime error' "$tmp/err"; then
				bad="$bad [at $pct%: exit $rc $(grep -m1 -E 'Sanitizer|runtime error' "$tmp/err")]"
			fi
		done
		rm -f "$tmp/corrupt.kdump"
		[ -z "$bad" ] && pass "sanitizer build: corrupted kdump-compressed dump, no crash or report" ||
			fail "sanitizer build: corrupted kdump-compressed dump, no crash or report" "$bad"
	else
		fail "sanitizer build: corrupted kdump-compressed dump" "no kdump dump in the corpus"
	fi
	run env ASAN_OPTIONS=detect_leaks=1 "$san" --json -k "$vmlinux" "$dump"
	if [ "$rc" -le 1 ] && ! grep -Eq 'Sanitizer|runtime error' "$tmp/err"; then
		pass "sanitizer build: a full run on $(basename "$(dirname "$dump")") is clean"
	else
		fail "sanitizer build: a full run is clean" "exit $rc: $(grep -m3 -E 'Sanitizer|runtime error|pgmapcheck' "$tmp/err")"
	fi
else
	fail "sanitizer build" "make SANITIZE=1 failed: $(tail -3 "$tmp/san-build.log" | tr '\n' ' ')"
fi

# ---- the CLI end to end on every dump: a report, no crash --------------------------------
for m in $manifests; do
	while read -r rel scen fmt d v; do
		run "$cli" --json -k "$v" "$d"
		if [ "$rc" -le 1 ] && $py -c 'import json,sys; r=json.load(sys.stdin); assert r["schema_version"] >= 1 and r["target"]["frontend"] == "cli"' <"$tmp/out" 2>/dev/null; then
			pass "cli --json on $rel/$scen/$fmt: exit $rc, valid report"
		else
			fail "cli --json on $rel/$scen/$fmt" "exit $rc: $(head -c 300 "$tmp/err")"
		fi
	done < <($py -c 'import json,sys; m=json.load(open(sys.argv[1]))
for d in m["dumps"]: print(m["kernel"]["release"], m["scenario"], d["format"], d["path"], m["kernel"]["vmlinux"])' "$m")
done
