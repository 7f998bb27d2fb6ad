# clean-mapdev: device-dax with --map=dev (struct pages on the device itself,
# an altmap), a live process holding touched pages.  KASLR on.  Also captured
# after a real panic by makedumpfile -c -d 31 in the capture kernel: that dump
# holds System RAM only, so these struct pages (on the device) are absent
# from it, as in production.  Expected: zero violations.
# pgmc-append: memmap=128M!512M crashkernel=192M
# pgmc-mem: 1G
# pgmc-dumps: elf kdump kdump-panic
# pgmc-expect: clean
. /run/pgmc/job/lib.sh
pgmc_setup
dax=$(create_ns region0 -m devdax -M dev -a 2M)
hold dax devdax /dev/$dax $((32 << 20))
report_pgmaps
record_pages $(hold_pfns dax 2)
load_capture_kernel
pgmc_ready
panic_when_told
idle_forever
