# Runs in the kexec'd capture kernel after the panic (pgmc.script=capture.sh):
# saves /proc/vmcore the way production kdump does, then powers off.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
JOB=/run/pgmc/job
. $JOB/env.sh
# the makedumpfile of the kernel's generation: the sid chroot's, run by its
# own loader (no chroot: /proc/vmcore and the job directory stay in reach)
mdf=makedumpfile
if [ -n "$PGMC_TOOLROOT" ]; then
	r=$PGMC_TOOLROOT
	bin=$r/usr/bin/makedumpfile
	[ -x "$bin" ] || bin=$r/usr/sbin/makedumpfile
	mdf="$r/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 --library-path $r/usr/lib/x86_64-linux-gnu $bin"
fi
echo "pgmc: capture kernel: $(wc -c < /proc/vmcore 2>/dev/null) bytes in /proc/vmcore; $($mdf -v | head -1)"
$mdf -c -d 31 /proc/vmcore $JOB/vmcore.kdump-panic.tmp &&
	mv $JOB/vmcore.kdump-panic.tmp $JOB/vmcore.kdump-panic
echo "pgmc: makedumpfile exited with $?"
sync
