# Runs in the kexec'd capture kernel after the panic (pgmc.script=capture.sh):
# saves /proc/vmcore the way production kdump does, then powers off.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
JOB=/run/pgmc/job
echo "pgmc: capture kernel: $(wc -c < /proc/vmcore 2>/dev/null) bytes in /proc/vmcore"
makedumpfile -c -d 31 /proc/vmcore $JOB/vmcore.kdump-panic.tmp &&
	mv $JOB/vmcore.kdump-panic.tmp $JOB/vmcore.kdump-panic
echo "pgmc: makedumpfile exited with $?"
sync
