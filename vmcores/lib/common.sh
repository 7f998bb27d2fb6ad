# Shared shell helpers of the vmcores host-side scripts.
CACHE=${PGMAPCHECK_CACHE:-$HOME/.cache/pgmapcheck}

log() { echo "vmcores: $*" >&2; }

# The Debian suites whose current kernel the corpus holds.  bookworm is the
# host's own suite; the others are read through apt lists of their own in the
# cache (apt_suite), so the host's apt configuration is never touched.
KERNEL_SUITES=${PGMAPCHECK_SUITES:-bookworm trixie sid}
MIRROR=${PGMAPCHECK_MIRROR:-http://deb.debian.org/debian}

# apt_suite SUITE apt-get|apt-cache ARGS...: runs apt against SUITE.  The
# lists are refreshed when older than a day (the kernel ABI moves on).  sid's
# Release is routinely past Valid-Until on mirrors: not checked.
apt_suite() {
	local suite=$1 cmd=$2 d
	shift 2
	if [ "$suite" = bookworm ]; then
		"$cmd" "$@"
		return
	fi
	d=$CACHE/apt/$suite
	mkdir -p "$d/lists/partial" "$d/archives/partial"
	{
		echo "deb $MIRROR $suite main"
		[ "$suite" = sid ] || echo "deb ${MIRROR%/debian}/debian-security $suite-security main"
	} > "$d/sources.list"
	local opts=(-o Dir::Etc::SourceList="$d/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o Dir::State::Lists="$d/lists" -o Dir::Cache="$d" -o Dir::Cache::archives="$d/archives"
		-o Dir::State::status=/dev/null -o Acquire::Check-Valid-Until=false
		-o APT::Sandbox::User=root -o Debug::NoLocking=1)
	if [ -z "$(find "$d/lists" -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null)" ]; then
		log "apt: updating the $suite lists in $d"
		flock "$d/.lock" apt-get -q "${opts[@]}" update >&2 || return 1
	fi
	"$cmd" "${opts[@]}" "$@"
}

# resolve_krel [SUITE]: the release SUITE's linux-image-amd64 points at today,
# e.g. 6.1.0-57-amd64 (bookworm), 6.12.118+deb13-amd64 (trixie).
resolve_krel() {
	apt_suite "${1:-bookworm}" apt-cache depends linux-image-amd64 |
		sed -n 's/^ *Depends: linux-image-\([0-9].*\)$/\1/p' | head -1
}

# suite_of RELEASE: the suite whose lists know linux-image-RELEASE (a
# release fetched earlier and no longer in any list: the cache's record).
suite_of() {
	local rel=$1 s
	if [ -s "$CACHE/kernels/$rel/suite" ]; then
		cat "$CACHE/kernels/$rel/suite"
		return
	fi
	for s in $KERNEL_SUITES; do
		if apt_suite "$s" apt-cache show "linux-image-$rel" > /dev/null 2>&1; then
			echo "$s"
			return
		fi
	done
	return 1
}

# kernel_cc RELEASE: the compiler RELEASE was built with (gcc-14 for 6.12);
# out-of-tree modules are built with it.
kernel_cc() {
	local v
	v=$(sed -n 's/^CONFIG_GCC_VERSION=\([0-9]*\)$/\1/p' "$CACHE/kernels/$1/config" 2>/dev/null)
	[ -n "$v" ] && echo "gcc-$((v / 10000))" || echo gcc
}

# Hash of the generator sources under vmcores/ (tracked or new, not ignored
# build output) shared by all scenarios: everything but the scenario scripts
# and the documentation (and vmcores/scale, which makes no corpus dump).  A
# scenario's stamp adds its own script.
# source_hash [REGEX]: also leave out the paths matching REGEX.
source_hash() {
	local top skip=${1:-^$}
	top=$(cd "$here/.." && pwd)
	if git -C "$top" rev-parse --git-dir > /dev/null 2>&1; then
		git -C "$top" ls-files -co --exclude-standard -- vmcores
	else
		(cd "$top" && find vmcores -type f ! -name '*.o' ! -name '*.ko' ! -name '.*.cmd')
	fi | grep -v -e '^vmcores/scenarios/' -e '^vmcores/scale$' -e '/README[^/]*$' -e '\.md$' -e "$skip" |
	LC_ALL=C sort | while read -r f; do
		[ -f "$top/$f" ] && { echo "$f"; cat "$top/$f"; }
	done | sha256sum | cut -c1-64
}

# Builds what the guest needs into $2: the initramfs, the test module (against
# the release's headers) and the static guest programs.  Sources are copied so
# the git tree stays free of build output.
build_artifacts() {
	local rel=$1 build=$2
	mkdir -p "$build"
	"$here/mkinitramfs" "$rel" "$build/initramfs.gz"
	rm -rf "$build/kmod" "$build/guest-progs"
	mkdir -p "$build/kmod" "$build/guest-progs"
	cp "$here"/kmod/{Kbuild,Makefile,*.c} "$build/kmod/"
	cp "$here"/guest-progs/{Makefile,*.c} "$build/guest-progs/"
	if [ "$(suite_of "$rel")" = bookworm ]; then
		make -s --no-print-directory -C "$build/kmod" KREL="$rel" >&2
	else
		# newer kernels' headers need sid's compilers: built in the sid chroot
		"$here/sid-chroot" run make -s --no-print-directory -C "$build/kmod" KREL="$rel" \
			KDIR="/usr/lib/modules/$rel/build" CC="$(kernel_cc "$rel")" >&2
	fi
	make -s --no-print-directory -C "$build/guest-progs" clean >&2
	make -s --no-print-directory -C "$build/guest-progs" >&2
}
