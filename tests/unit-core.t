#!/bin/bash
# Unit tests of the libinspect core on the mock target (tests/mock/), built
# here with ASan+UBSan straight from the core sources: any sanitizer report
# is a failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
li=$top/libinspect
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# the core only: the shipped libkdumpfile/libdw target is not needed here
srcs=$(for f in arch_x86_64 check read progress findings registry u64set codes model xarray pages vmemmap hugetlb holders iomem report access; do echo "$li/src/$f.c"; done)
if ! gcc -std=gnu11 -O1 -g -Wall -Wextra -Werror -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer \
	-I"$li/include" -I"$li/src" -I"$here/mock" -o "$tmp/unit-core" \
	$srcs "$here/mock/mock.c" "$here/mock/unit-core.c" 2>"$tmp/cc.log"; then
	echo "not ok unit-core-build - $(head -c 2000 "$tmp/cc.log")"
	exit 1
fi
echo "ok unit-core-build"
# The core's files form layers (internal.h says which): through what it
# includes or calls, no file depends on a file that depends on it.
if layers=$(/usr/bin/python3 "$here/layers.py" "$li/src" "$tmp" $srcs "$li/src/frontend.c" 2>&1); then
	echo "ok unit-core-layers-acyclic"
	echo "$layers"
else
	echo "not ok unit-core-layers-acyclic - $(echo "$layers" | tail -3 | tr '\n' ' ')"
fi
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 timeout 120 "$tmp/unit-core" "$tmp/report.json" \
	2>"$tmp/err.log"
rc=$?
if [ $rc -ne 0 ] || grep -q -e 'ERROR: AddressSanitizer' -e 'runtime error' -e 'LeakSanitizer' "$tmp/err.log"; then
	echo "not ok unit-core-sanitizer-clean - rc $rc: $(grep -m3 -e ERROR -e 'runtime error' "$tmp/err.log")"
else
	echo "ok unit-core-sanitizer-clean"
fi
grep '^#' "$tmp/err.log" | head -20 >&2
if /usr/bin/python3 - "$tmp/report.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema_version"] == 1
assert d["target"]["frontend"] == "mock"
f = [x for x in d["findings"] if x["code"] == "TAIL_REFCOUNT"]
assert len(f) == 1 and f[0]["pfn"] == 0x20000 + 517 and f[0]["severity"] == "error", f
assert d["pgmaps"][0]["address"].startswith("0x") and d["pgmaps"][0]["type"] == "MEMORY_DEVICE_GENERIC"
assert d["summary"]["errors"] == 1 and d["summary"]["by_code"] == {"TAIL_REFCOUNT": 1}
assert d["hugetlb"]["hstates"][0]["fake_heads_resolved"] == 7
assert d["vmemmap"][0]["frames"] == d["vmemmap"][0]["predicted_frames"] == 16
hw = d["holder_walk"]
assert hw["walked"] is True and hw["tasks"] == 1 and hw["mms"] == 1 and hw["stopped"] is None, hw
assert d["holders"] == [{"pid": 100, "comm": "holder", "mm": d["holders"][0]["mm"],
                         "vaddr": "0x7f0000000000", "pfn": 0x20000, "nr_pages": 512,
                         "level": "pmd", "kind": "present",
                         "pgmap": d["pgmaps"][0]["address"]}], d["holders"]
PY
then echo "ok unit-core-json-schema"; else echo "not ok unit-core-json-schema - bad JSON document"; fi
exit 0
