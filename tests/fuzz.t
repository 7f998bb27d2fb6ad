#!/bin/bash
# The libFuzzer harness of libinspect (tests/fuzz/): builds it with clang
# (ASan+UBSan) and runs each target for FUZZ_TEST_TIME seconds (default
# 30): fuzz_open (li_kdump_target_open + li_check on mutated dump files),
# fuzz_core (li_check on a damaged mock kernel image).  One line per
# target with its figures; a crash, leak, hang or broken property is a
# "not ok" naming the saved input under $PGMAPCHECK_CACHE/fuzz/crashes/.
# The corpora persist in $PGMAPCHECK_CACHE/fuzz/<target>/, so every run
# goes on from the last one.  Longer runs: make fuzz FUZZ_TIME=600.
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/fuzz/run" -t "${FUZZ_TEST_TIME:-30}" fuzz_open fuzz_core
