# What the test programs in bash share.  They set $here (the tests
# directory) and source this, which sets:
#   top    the checkout         li     libinspect/ in it
#   cli    the CLI of li/build  cache  $PGMAPCHECK_CACHE (the corpus, kernels)
#   py     the Python with drgn tmp    a scratch directory, gone at exit
top=$(dirname "$here")
li=$top/libinspect
cli=$li/build/pgmapcheck
cache=${PGMAPCHECK_CACHE:-$HOME/.cache/pgmapcheck}
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

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
