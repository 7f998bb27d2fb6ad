# Guest-side helpers, sourced by every scenario script (bash, chrooted into the
# host root; see initramfs/init).  The job directory /run/pgmc/job is shared
# read-write with the host; env.sh there carries the host's settings.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
JOB=/run/pgmc/job
. $JOB/env.sh
KMOD_CTL=/proc/pgmapcheck_test

pgmc_fail() {
	echo "pgmc: FAILED: $*"
	echo "$*" > $JOB/failed
	sleep 100000
}

# run CMD...: runs a setup command, failing the job with its output on error.
run() {
	echo "+ $*"
	"$@" || pgmc_fail "$* (exit $?)"
}

# Loads the pmem/dax stack and our test module.
pgmc_setup() {
	set -o pipefail
	run modprobe -a nd_e820 nd_pmem dax_pmem device_dax
	run insmod $JOB/pgmapcheck_test.ko
	wait_regions
}

# nd regions probe asynchronously and there is no udev: wait for all of them
# (one per memmap= range on the command line).
wait_regions() {
	local want i
	want=$(tr ' ' '\n' < /proc/cmdline | grep -c '^memmap=.*!')
	for i in $(seq 300); do
		[ "$(ls -d /sys/bus/nd/devices/region* 2>/dev/null | wc -l)" -ge "$want" ] && return 0
		sleep 0.1
	done
	pgmc_fail "only $(ls -d /sys/bus/nd/devices/region* | wc -l) of $want nd regions appeared"
}

# kmod CMD: one write() per command to the test module's control file.
kmod() {
	echo "+ kmod $*"
	printf '%s' "$*" > $KMOD_CTL || pgmc_fail "kmod $* failed"
}

# hold NAME ARGS...: starts the holder program in the background, its
# PGMAPCHECK-* lines going to $JOB/hold-NAME.log, and waits for its READY line.
hold() {
	local name=$1 i
	shift
	echo "+ holder $*"
	$JOB/bin/holder "$@" > $JOB/hold-$name.log 2>&1 &
	for i in $(seq 600); do
		grep -q '^PGMAPCHECK-READY' $JOB/hold-$name.log && return 0
		kill -0 $! 2>/dev/null || pgmc_fail "holder $* exited: $(tail -3 $JOB/hold-$name.log)"
		sleep 0.1
	done
	pgmc_fail "holder $* never became ready"
}

# note TEXT: a line of scenario state for the manifest (guest.state).
note() {
	echo "$*" >> $JOB/state.txt
}

# record_pages PFN...: the module's own view of these struct pages
# (PGMAPCHECK-PAGE lines) for the manifest; the self-test reads them back.
record_pages() {
	local pfn
	for pfn in "$@"; do
		kmod page "$pfn"
	done
}

# hold_pfns NAME [N]: the first N (default all) pfns a holder reported.
hold_pfns() {
	grep -o '^PGMAPCHECK-HOLD .* pfn=0x[0-9a-f]*' $JOB/hold-$1.log |
		sed 's/.* pfn=//' | head -n ${2:-1000000}
}

# Physical address range of every nd region: "NAME START SIZE" lines.
nd_regions() {
	local r
	for r in /sys/bus/nd/devices/region*; do
		[ -e "$r/resource" ] || continue
		echo "$(basename $r) $(cat $r/resource) $(cat $r/size)"
	done
}

# Asks the module to report the pgmap of every nd region (a pfn in its middle).
report_pgmaps() {
	local name start size
	nd_regions | while read -r name start size; do
		kmod report $(printf '0x%x' $(( (start + size / 2) >> 12 )))
	done
}

# Saves the guest's own view of the nvdimm/dax devices into the job directory.
save_guest_view() {
	ndctl list -RNDi > $JOB/ndctl.json 2>/dev/null || echo '[]' > $JOB/ndctl.json
	daxctl list -i > $JOB/daxctl.json 2>/dev/null || echo '[]' > $JOB/daxctl.json
	nd_regions > $JOB/regions.txt
}

# Marks the scenario's state as complete.  The host then stops the guest,
# records the vmemmap oracle and dumps it.  Runs $JOB/then.sh first if the
# host asked for an extra command (vmcores/guest run --then CMD).
pgmc_ready() {
	dmesg | grep -o 'PGMAPCHECK-.*' > $JOB/kmsg.log
	echo "0x$(awk '$3 == "_text" { print $1 }' /proc/kallsyms)" > $JOB/kernel-text.txt
	[ -e $JOB/ndctl.json ] || save_guest_view
	printf 'sysname=%s\nnodename=%s\nrelease=%s\nversion=%s\nmachine=%s\ndomainname=%s\n' \
		"$(uname -s)" "$(uname -n)" "$(uname -r)" "$(uname -v)" "$(uname -m)" \
		"$(cat /proc/sys/kernel/domainname)" > $JOB/uname.txt
	if [ -e $JOB/then.sh ]; then
		bash $JOB/then.sh > $JOB/then.out 2>&1
		echo $? > $JOB/then.rc
	fi
	sync
	touch $JOB/ready
	echo "pgmc: ready"
}

# Waits until the host lets the guest go on (after the dump), then panics into
# the capture kernel loaded by load_capture_kernel.
panic_when_told() {
	while [ ! -e $JOB/go-panic ]; do sleep 0.2; done
	echo "pgmc: panicking"
	echo 1 > /proc/sys/kernel/sysrq
	echo c > /proc/sysrq-trigger
}

load_capture_kernel() {
	run kexec -p "$PGMC_VMLINUZ" --initrd="$PGMC_INITRD" \
		--append="console=ttyS0 pgmc.script=capture.sh irqpoll nr_cpus=1 reset_devices panic=-1 $PGMC_CAPTURE_APPEND"
	[ "$(cat /sys/kernel/kexec_crash_loaded)" = 1 ] || pgmc_fail "capture kernel not loaded"
}

idle_forever() {
	while :; do sleep 1000; done
}

# create_ns REGION NDCTL-OPTIONS...: reconfigures the region's (label-less,
# e820) namespace; prints the dax device or block device it became.
create_ns() {
	local region=$1 ns out
	shift
	ns=$(basename "$(ls -d /sys/bus/nd/devices/$region/namespace*.0 | head -1)")
	[ -n "$ns" ] || pgmc_fail "no namespace in $region"
	echo "+ ndctl create-namespace -f -e $ns $*" >&2
	out=$(ndctl create-namespace -f -e "$ns" "$@") || pgmc_fail "ndctl create-namespace -e $ns $* failed"
	echo "$out" > $JOB/ns-$region.json
	echo "$out" | jq -r '.daxregion.devices[0].chardev // .blockdev'
}

# region_at PHYS: the nd region whose resource starts at PHYS.
region_at() {
	local name start size
	nd_regions | while read -r name start size; do
		[ $((start)) = $(($1)) ] && echo $name
	done
}

# pgmap_field PFN FIELD: FIELD of the test module's report of PFN's pgmap.
pgmap_field() {
	local line
	line=$(printf 'report 0x%x' $(($1)) | (cat > $KMOD_CTL; dmesg) |
	       grep -o 'PGMAPCHECK-PGMAP .*' | tail -1)
	[ -n "$line" ] || pgmc_fail "no pgmap reported for pfn $1"
	echo "$line" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# wait_blocked PID FUNCTION: waits until PID sleeps uninterruptibly with
# FUNCTION in its kernel stack.
wait_blocked() {
	local i
	for i in $(seq 300); do
		if [ "$(awk '{print $3}' /proc/$1/stat 2>/dev/null)" = D ] &&
		   grep -q "$2" /proc/$1/stack 2>/dev/null; then
			return 0
		fi
		kill -0 $1 2>/dev/null || pgmc_fail "pid $1 exited instead of blocking in $2"
		sleep 0.1
	done
	pgmc_fail "pid $1 never blocked in $2: $(cat /proc/$1/stack)"
}
