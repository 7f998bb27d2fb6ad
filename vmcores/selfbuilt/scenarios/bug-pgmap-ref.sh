# bug-pgmap-ref (patched kernel, vmcores/patches): the 6.1 fix "mm/memremap.c:
# take a pgmap reference on page allocation" reverted, and test_hmm no longer
# migrating device pages back on close/teardown.  hmmholder migrates 16 pages
# to /dev/hmm_dmirror0 and closes it (the pages stay on the device, mapped in
# its page table), then test_hmm is unloaded: memunmap_pages() no longer waits
# for the held pages, frees their memmap and the pgmap.  The evidence left is
# the holder: device-private entries naming pfns no pgmap covers
# (HOLDER_ORPHANED, one per held page).
# On a kernel with the fix, rmmod blocks in memunmap_pages() instead (noted).
# pgmc-mem: 1G
# pgmc-dumps: elf kdump
# pgmc-expect: faults
. /run/pgmc/job/lib.sh
. $PGMC_SELFBUILT/scenarios/lib.sh
hmm_setup
hmm_hold bug /dev/hmm_dmirror0 16 close
grep -q 'swap=0' $JOB/hold-bug.log && pgmc_fail "pages migrated back on close: test_hmm not patched"
hmm_report
pgmap=$(dmesg | grep -o 'PGMAPCHECK-PGMAP .*' | head -1 | sed 's/.*addr=\(0x[0-9a-f]*\).*/\1/')
record_pages $(hold_pfns bug 2)
rmmod test_hmm &
rm_pid=$!
for i in $(seq 300); do
	kill -0 $rm_pid 2>/dev/null || break
	sleep 0.1
done
if kill -0 $rm_pid 2>/dev/null; then
	note "teardown blocked: $(tr '\n' ';' < /proc/$rm_pid/stack)"
	pgmc_fail "rmmod test_hmm blocked (kernel has the fix?)"
fi
wait $rm_pid || pgmc_fail "rmmod test_hmm failed"
note "test_hmm unloaded with $(hold_pfns bug | wc -l) device pages still mapped by hmmholder"
for pfn in $(hold_pfns bug); do
	expect HOLDER_ORPHANED $pfn $pgmap
done
live_checks
pgmc_ready
idle_forever
