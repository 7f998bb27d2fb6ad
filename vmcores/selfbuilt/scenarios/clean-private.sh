# clean-private: test_hmm's two device-private pgmaps (a 256 MiB chunk each,
# at the top of the physical address space); hmmholder migrates 64 pages of
# its buffer to /dev/hmm_dmirror0 and keeps them.  Expected: no violation,
# held pages at refcount 1, idle ones at 0, pgmap ref >= 1 + allocated pages.
# pgmc-mem: 1G
# pgmc-dumps: elf kdump
# pgmc-expect: clean
. /run/pgmc/job/lib.sh
. $PGMC_SELFBUILT/scenarios/lib.sh
hmm_setup
hmm_hold main /dev/hmm_dmirror0 64
hmm_report
record_pages $(hold_pfns main 4) $(hmm_chunks | awk '{ print $1 }')
live_checks
pgmc_ready
idle_forever
