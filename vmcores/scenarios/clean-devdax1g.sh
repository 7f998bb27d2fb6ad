# clean-devdax1g: device-dax with 1 GiB alignment (compound devmap,
# vmemmap_shift 18: the kernel keeps 2 vmemmap frames per 1 GiB page), a
# 2 GiB pmem region at 4 GiB of a 5 GiB guest, a live process holding a
# touched mapping of the first 1 GiB page.  KASLR on.  The ELF dump would be
# the guest's 5 GiB: dumped kdump-compressed only.  Expected: zero violations.
# pgmc-append: memmap=2G!4G
# pgmc-mem: 5G
# pgmc-dumps: kdump
# pgmc-expect: clean
. /run/pgmc/job/lib.sh
pgmc_setup
dax=$(create_ns region0 -m devdax -M mem -a 1G)
hold dax devdax /dev/$dax $((1 << 30))
report_pgmaps
record_pages $(hold_pfns dax 1)
pgmc_ready
idle_forever
