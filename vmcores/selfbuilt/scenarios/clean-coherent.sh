# clean-coherent: test_hmm with spm_addr_dev0/1 adds two MEMORY_DEVICE_COHERENT
# pgmaps (256 MiB each) on guest-physical memory set aside with memmap=$
# (2 GiB guest, 1.5-2 GiB reserved), next to its two device-private ones;
# hmmholder migrates 64 pages to /dev/hmm_dmirror2 (coherent: the pages are
# CPU-addressable and mapped by present PTEs) and keeps them.
# pgmc-append: memmap=512M$0x60000000
# pgmc-mem: 2G
# pgmc-dumps: elf
# pgmc-expect: clean
. /run/pgmc/job/lib.sh
. $PGMC_SELFBUILT/scenarios/lib.sh
hmm_setup spm_addr_dev0=0x60000000 spm_addr_dev1=0x70000000
[ -c /dev/hmm_dmirror2 ] || pgmc_fail "no coherent device /dev/hmm_dmirror2"
hmm_hold main /dev/hmm_dmirror2 64
hmm_report
record_pages $(hold_pfns main 4) $(hmm_chunks | awk '{ print $1 }')
live_checks
pgmc_ready
idle_forever
