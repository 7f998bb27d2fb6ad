#!/bin/bash
# The libFuzzer harness of libinspect (tests/fuzz/): builds it with clang
# (ASan+UBSan) and runs fuzz_open (li_kdump_target_open + li_check on
# mutated dump files) and fuzz_core (li_check on a damaged mock kernel
# image) for a fixed number of executions from the seeds, with a fixed
# seed, in a fresh corpus (FUZZ_TEST_RUNS; at most FUZZ_TEST_TIME s each).
# One line per target with its figures; a crash, leak, hang or broken
# property is a "not ok" naming the saved input under
# $PGMAPCHECK_CACHE/fuzz/crashes/.  Exploration, with corpora that persist
# from run to run: make fuzz FUZZ_TIME=600.
here=$(cd "$(dirname "$0")" && pwd)
# make test: a reproducible run (fixed seed, fixed count, fresh corpus), so
# a red line is a regression, not luck; exploration is `make fuzz`.  The
# counts keep the two under 40 s of CPU together (make test must stay warm
# under 10 minutes on 2 cores, issue #9).
"$here/fuzz/run" -t "${FUZZ_TEST_TIME:-60}" -r "${FUZZ_TEST_RUNS:-1500}" fuzz_open || rc=1
"$here/fuzz/run" -t "${FUZZ_TEST_TIME:-60}" -r "${FUZZ_TEST_RUNS:-3000}" fuzz_core || rc=1
exit ${rc:-0}
