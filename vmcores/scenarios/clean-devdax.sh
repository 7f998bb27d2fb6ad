# clean-devdax: device-dax, --map=mem, align 2M (compound devmap, vmemmap_shift
# 9) with a live process holding touched and long-term pinned pages, plus 16
# HVO'd hugetlb 2M pages held by a process.  No KASLR.  Dumped as ELF, as
# kdump-compressed from QEMU, and the production way: a real panic, the
# kexec'd capture kernel (crashkernel=) running makedumpfile -c -d 31.
# Expected: zero violations.
# pgmc-append: memmap=128M!512M nokaslr hugetlb_free_vmemmap=on crashkernel=192M
# pgmc-mem: 1G
# pgmc-dumps: elf kdump kdump-panic
# pgmc-expect: clean
. /run/pgmc/job/lib.sh
pgmc_setup
dax=$(create_ns region0 -m devdax -M mem -a 2M)
echo 16 > /proc/sys/vm/nr_hugepages
[ "$(cat /proc/sys/vm/nr_hugepages)" = 16 ] || pgmc_fail "could not reserve 16 huge pages"
hold dax devdax /dev/$dax $((32 << 20)) pin 8
hold huge hugetlb 16
report_pgmaps
load_capture_kernel
# pinned and merely mapped compound heads, one HVO'd hugetlb head
record_pages $(hold_pfns dax 2) $(hold_pfns huge 1)
pgmc_ready
panic_when_told
idle_forever
