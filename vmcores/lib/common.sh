# Shared shell helpers of the vmcores host-side scripts.
CACHE=${PGMAPCHECK_CACHE:-$HOME/.cache/pgmapcheck}

log() { echo "vmcores: $*" >&2; }

# The release the bookworm meta package points at today, e.g. 6.1.0-56-amd64.
resolve_krel() {
	apt-cache depends linux-image-amd64 |
		sed -n 's/^ *Depends: linux-image-\([0-9].*\)$/\1/p' | head -1
}

# Hash of the generator sources under vmcores/ (tracked or new, not ignored
# build output) shared by all scenarios: everything but the scenario scripts
# and the documentation.  A scenario's stamp adds its own script.
# source_hash [REGEX]: also leave out the paths matching REGEX.
source_hash() {
	local top skip=${1:-^$}
	top=$(cd "$here/.." && pwd)
	if git -C "$top" rev-parse --git-dir > /dev/null 2>&1; then
		git -C "$top" ls-files -co --exclude-standard -- vmcores
	else
		(cd "$top" && find vmcores -type f ! -name '*.o' ! -name '*.ko' ! -name '.*.cmd')
	fi | grep -v -e '^vmcores/scenarios/' -e '/README[^/]*$' -e '\.md$' -e "$skip" |
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
	make -s --no-print-directory -C "$build/kmod" KREL="$rel" >&2
	make -s --no-print-directory -C "$build/guest-progs" clean >&2
	make -s --no-print-directory -C "$build/guest-progs" >&2
}
