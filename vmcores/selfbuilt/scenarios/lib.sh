# Guest-side helpers of the selfbuilt scenarios, sourced after vmcores'
# lib.sh.  PGMC_SELFBUILT and PGMC_BUILD come from env.sh (see ../sguest).
VMLINUX=$(dirname "$PGMC_VMLINUZ")/vmlinux
TOP=$(cd "$PGMC_SELFBUILT/../.." && pwd)

# hmm_setup [test_hmm PARAMS...]: the corpus test module, then test_hmm
# (which adds one 256 MiB chunk, i.e. one pgmap, per device at load time).
hmm_setup() {
	set -o pipefail
	run insmod $JOB/pgmapcheck_test.ko
	run modprobe test_hmm "$@"
	[ -c /dev/hmm_dmirror0 ] || pgmc_fail "no /dev/hmm_dmirror0"
}

# hmm_chunks: "FIRST_PFN END_PFN" (end exclusive) of every test_hmm chunk.
hmm_chunks() {
	dmesg | sed -n 's/.*added new .* PFNs \[\(0x[0-9a-f]*\) \(0x[0-9a-f]*\))/\1 \2/p'
}

# hmm_report: the test module's PGMAPCHECK-PGMAP line for every chunk.
hmm_report() {
	local first end
	hmm_chunks | while read -r first end; do
		kmod report $first
	done
}

# hmm_hold NAME DEVICE NPAGES [close]: hmmholder in the background, its
# PGMAPCHECK-HOLD lines in $JOB/hold-NAME.log; waits for its READY line.
hmm_hold() {
	local name=$1 log=$JOB/hold-$1.log
	shift
	echo "+ hmmholder $*"
	$JOB/bin/hmmholder "$@" > $log 2>&1 &
	timeout 60 sh -c "until grep -q '^PGMAPCHECK-READY' $log; do kill -0 $! || exit 1; sleep 0.1; done" ||
		pgmc_fail "hmmholder $* not ready: $(tail -3 $log)"
}

# expect CODE PFN PGMAP: a finding the checkers must report that no module
# injected (a kernel bug reproduced for real), in the manifest's faults.
expect() {
	echo "PGMAPCHECK-INJECT code=$1 pfn=$2 pgmap=$3 page=0x0 head_pfn=$2 source=kernel" >> $JOB/hold-expect.log
}

# live_checks: pgmapcheck CLI, its drgn script and holders.py on /proc/kcore,
# while the state the dump will show exists; outputs in $JOB/live-*.
live_checks() {
	echo "+ live checks"
	$TOP/libinspect/build/pgmapcheck -k $VMLINUX -j --no-progress > $JOB/live-cli.json 2> $JOB/live-cli.err
	echo $? > $JOB/live-cli.rc
	/usr/bin/python3 $TOP/drgn-scripts/pgmapcheck.py -k $VMLINUX --json --no-progress \
		> $JOB/live-drgn.json 2> $JOB/live-drgn.err
	echo $? > $JOB/live-drgn.rc
	/usr/bin/python3 $PGMC_SELFBUILT/holders.py -k $VMLINUX --json > $JOB/live-holders.json 2> $JOB/live-holders.err
	echo $? > $JOB/live-holders.rc
}
