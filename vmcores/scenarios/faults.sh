# faults: the test module injects each fault class on its own pfn (one per
# compound), printing a PGMAPCHECK-INJECT line per injection.  Three pmem
# regions: the main compound device-dax (most injections), an fsdax namespace
# (the "other" live pgmap PGMAP_RANGE points at) and a device-dax of its own
# for PGMAP_REF_DEAD, whose unbind is left blocked in memunmap_pages.  KASLR on.
# pgmc-append: memmap=128M!512M memmap=64M!704M memmap=64M!832M
# pgmc-mem: 1G
# pgmc-dumps: elf kdump
# pgmc-expect: faults
. /run/pgmc/job/lib.sh
pgmc_setup
main=$(create_ns "$(region_at 0x20000000)" -m devdax -M mem -a 2M)
other=$(create_ns "$(region_at 0x2c000000)" -m fsdax -M mem)
dead=$(create_ns "$(region_at 0x34000000)" -m devdax -M mem -a 4K)
# legitimate references on the first compounds of the main device
hold dax devdax /dev/$main $((16 << 20))
report_pgmaps

F=$(pgmap_field 0x20000 first_pfn)
other_pfn=$(pgmap_field $(( 0x2c000 + 0x2000 )) first_pfn)
dead_pfn=$(pgmap_field 0x34000 first_pfn)
head() { printf '0x%x' $(( F + $1 * 512 + ${2:-0} )); }

# compounds 0-7 are held above; each injection gets its own compound >= 16
# (16-34 used, even ones only)
kmod inject TAIL_REFCOUNT $(head 16 5)
kmod inject TAIL_HEAD_MISMATCH $(head 18 7)
kmod inject HEAD_ORDER_MISMATCH $(head 20)
kmod inject PGMAP_DANGLING $(head 22)
kmod inject PGMAP_RANGE $(head 24) $other_pfn
kmod inject REFCOUNT_BELOW_IDLE $(head 26)
kmod inject ZONE_MISMATCH $(head 28 9)
# a tail in the shared vmemmap frame F1 (reported once, at its first alias),
# a head pinned more than referenced, one more reference on a compound's F1
kmod inject TAIL_REFCOUNT_ALIASED $(head 30 200)
kmod inject PINCOUNT_EXCEEDS_REFCOUNT $(head 32)
kmod inject VMEMMAP_SHARED_REFCOUNT $(head 34)
kmod inject PGMAP_REF_DEAD $dead_pfn
# the guest's view of each injected pfn, the written alias and the F1 frame
record_pages $(dmesg | grep -o 'PGMAPCHECK-INJECT .*' |
	grep -o ' \(pfn\|injected_pfn\|frame\)=0x[0-9a-f]*' | cut -d= -f2)
# sysfs reads may take the device lock the blocked unbind holds: save first
save_guest_view

# For real: the leaked get_dev_pagemap() reference keeps memunmap_pages()
# waiting on pgmap->done after percpu_ref_kill().
echo $dead > /sys/bus/dax/drivers/device_dax/unbind &
unbind=$!
wait_blocked $unbind memunmap_pages
note "unbind of $dead (pid $unbind) blocked: state=$(awk '{print $3}' /proc/$unbind/stat) wchan=$(cat /proc/$unbind/wchan)"
note "unbind stack: $(tr '\n' ';' < /proc/$unbind/stack)"
pgmc_ready
idle_forever
