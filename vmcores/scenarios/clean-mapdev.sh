# clean-mapdev: device-dax with --map=dev (struct pages on the device itself,
# an altmap), a live process holding touched pages.  Besides the ELF dump it
# is captured the production way: a real panic, the kexec'd capture kernel
# (crashkernel=) running makedumpfile -c -d 31 on /proc/vmcore.  KASLR on.
# Expected: zero violations.
# pgmc-append: memmap=128M!512M crashkernel=192M
# pgmc-mem: 1G
# pgmc-dumps: elf kdump-panic
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
