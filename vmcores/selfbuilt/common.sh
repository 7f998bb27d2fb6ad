# Host-side helpers of the selfbuilt scripts (after vmcores/lib/common.sh).

# sb_lock NAME: one NAME run at a time per cache (the tests of several
# checkouts share it); nested runs of the same script inherit the lock.
sb_lock() {
	local var=PGMC_SB_LOCK_$1
	[ -n "${!var:-}" ] && return 0
	export "$var=1"
	mkdir -p "$CACHE/selfbuilt"
	exec {sb_lock_fd}> "$CACHE/selfbuilt/.$1.lock"
	flock "$sb_lock_fd"
}
