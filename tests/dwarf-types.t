#!/bin/bash
# The DWARF/symtab half of the shipped target (libinspect/src/dwarf_types.c,
# dwarf_memo.c): on a fixture whose answers the compiler prints itself
# (DWARF 4 and 5), on absent names, through the per-build-id memo, and for
# speed on the real debug vmlinux of the corpus.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/testlib.sh"

probe=$tmp/target-probe
if ! "$here/build-target-probe" "$probe" 2>"$tmp/build.log"; then
	fail "build libinspect and target-probe" "$(cat "$tmp/build.log")"
	exit 1
fi

negatives=(
	"size:struct fx_nope=error -2"
	"off:struct fx_outer:nope=error -2"
	"off:struct fx_outer:in.nope=error -2"
	"off:struct fx_outer:flags.x=error -2"
	"off:struct fx_outer:arr[x]=error -22"
	"off:struct fx_outer:arr[1]x=error -22"
	"enum:FX_NOPE=error -2"
	"sym:fx_nope=error -2"
)

for dw in 4 5; do
	fx=$tmp/fixture-dwarf$dw
	if ! cc -g -gdwarf-$dw -O0 -fno-pie -no-pie -o "$fx" "$here/dwarf-fixture.c" 2>"$tmp/cc.log"; then
		fail "DWARF $dw fixture builds" "$(head -c 300 "$tmp/cc.log")"
		continue
	fi
	"$fx" >"$tmp/expect"
	printf '%s\n' "${negatives[@]}" >>"$tmp/expect"
	mapfile -t queries < <(cut -d= -f1 "$tmp/expect")
	PGMAPCHECK_TYPE_CACHE=0 "$probe" --elf "$fx" "${queries[@]}" >"$tmp/got" 2>&1
	if diff "$tmp/expect" "$tmp/got" >"$tmp/diff"; then
		pass "DWARF $dw: ${#queries[@]} answers equal the compiler's (anonymous unions, arrays, typedefs, enums, symbols, absent names)"
	else
		fail "DWARF $dw: answers equal the compiler's" "$(grep '^[<>]' "$tmp/diff" | head -6 | tr '\n' ' ')"
	fi
	# the memo: first run writes it, second answers from it, same answers
	PGMAPCHECK_CACHE=$tmp/memo "$probe" --elf "$fx" "${queries[@]}" >"$tmp/got1" 2>&1
	PGMAPCHECK_CACHE=$tmp/memo "$probe" --elf "$fx" "${queries[@]}" >"$tmp/got2" 2>&1
	id=$(readelf -n "$fx" | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p')
	if [ -n "$id" ] && [ -s "$tmp/memo/types/$id.memo" ] &&
	   cmp -s "$tmp/expect" "$tmp/got1" && cmp -s "$tmp/expect" "$tmp/got2" &&
	   grep -q '^-2 0 0 E|FX_NOPE|$' "$tmp/memo/types/$id.memo" &&
	   grep -q '^0 80 0 S|struct fx_outer|$' "$tmp/memo/types/$id.memo"; then
		pass "DWARF $dw: memo types/$id.memo holds the answers (absent names too), second run equal"
	else
		fail "DWARF $dw: memo" "id '$id': $(diff "$tmp/expect" "$tmp/got2" | head -c 200)"
	fi
done

# A global wins over a static of the same name, in any link order.
cat >"$tmp/a.c" <<'EOS'
static int fx_same __attribute__((used)) = 1;
int main(void) { return 0; }
EOS
cat >"$tmp/b.c" <<'EOS'
int fx_same = 2;
EOS
for order in "a b" "b a"; do
	set -- $order
	cc -g -O0 -fno-pie -no-pie -o "$tmp/dup" "$tmp/$1.c" "$tmp/$2.c"
	want=$(nm "$tmp/dup" | awk '$2 == "D" && $3 == "fx_same" {print "0x" $1}' | sed 's/0x0*/0x/')
	got=$(PGMAPCHECK_TYPE_CACHE=0 "$probe" --elf "$tmp/dup" sym:fx_same | cut -d= -f2)
	[ -n "$want" ] && [ "$got" = "$want" ] && pass "global fx_same beats the static one (link order $order)" ||
		fail "global fx_same beats the static one (link order $order)" "got $got, want $want"
done

# Speed on the real debug vmlinux: an absent enumerator costs the full
# pass over every compile unit; "a few seconds max".
vmlinux=$(ls "$cache"/kernels/*/vmlinux 2>/dev/null | head -1)
if [ -z "$vmlinux" ]; then
	fail "debug vmlinux in the cache" "none under $cache/kernels (make vmcores)"
	exit 0
fi
start=$(date +%s%N)
out=$(PGMAPCHECK_TYPE_CACHE=0 "$probe" --elf "$vmlinux" "enum:NO_SUCH_ENUMERATOR_ANYWHERE" "size:struct page" "off:struct page:pgmap" 2>&1)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$out" = "enum:NO_SUCH_ENUMERATOR_ANYWHERE=error -2
size:struct page=64
off:struct page:pgmap=8" ] && [ "$ms" -lt 5000 ]; then
	pass "full index of $(basename "$(dirname "$vmlinux")")'s vmlinux in ${ms} ms (< 5 s)"
else
	fail "full index of the vmlinux in < 5 s" "${ms} ms: $out"
fi
