# What the test programs in bash share (tests/*.t source it after setting
# $tmp, a scratch directory).

pass() { echo "ok $1"; }
fail() { echo "not ok $1 - $2"; }
skip() { echo "skip $1 - $2"; }

# run CMD...: stdout in $tmp/out, stderr in $tmp/err, status in $rc
run() {
	timeout 120 "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# expect NAME STATUS STDERR-REGEX CMD...
expect() {
	local name=$1 want=$2 re=$3
	shift 3
	run "$@"
	if [ "$rc" -ne "$want" ]; then
		fail "$name" "exit $rc, want $want: $(head -c 300 "$tmp/err")"
	elif [ -n "$re" ] && ! grep -Eq -- "$re" "$tmp/err"; then
		fail "$name" "stderr lacks /$re/: $(head -c 300 "$tmp/err")"
	else
		pass "$name"
	fi
}
