# clean-fsdax: an fsdax namespace with ext4 on it mounted -o dax and a live
# process holding a touched mmap of a file there.  KASLR on.
# Expected: zero violations.
# pgmc-append: memmap=128M!512M
# pgmc-mem: 1G
# pgmc-dumps: elf
# pgmc-expect: clean
. /run/pgmc/job/lib.sh
pgmc_setup
pmem=$(create_ns region0 -m fsdax -M mem -a 2M)
run modprobe ext4
run mkfs.ext4 -q -F -b 4096 /dev/$pmem
mkdir -p /mnt/pmem
run mount -o dax /dev/$pmem /mnt/pmem
grep -q "/mnt/pmem ext4 .*dax" /proc/mounts || pgmc_fail "/mnt/pmem is not mounted -o dax"
run dd if=/dev/zero of=/mnt/pmem/data bs=1M count=16 status=none
hold file file /mnt/pmem/data $((16 << 20))
report_pgmaps
record_pages $(hold_pfns file 2)
note "$(grep /mnt/pmem /proc/mounts)"
pgmc_ready
idle_forever
