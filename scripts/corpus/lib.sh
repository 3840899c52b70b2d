# scripts/corpus/lib.sh: sourced by the corpus driver (run), its stages
# (classify.sh, create.sh, guest.sh, report.sh) and chunks.  The defaults,
# the paths of the project and of the cache, logging, the seeded order,
# the tools snapshot and the accessors of cached results.
# Cache layout ($KSPLICE_CACHE/corpus/OLD-NEW/, docs/corpus.md "The cache"):
#   files.tsv compiled.txt changed.tsv dirs.txt kbuild.txt
#     kbuild-shadow/                          classify.sh
#   changed-h.txt create/KEY/                 create.sh
#   tools/HASH/                               snapshot_tools, below
#   guest/KEY/result logs/                    guest.sh
#   selection.PID*: one run's own files, removed when it ends
# and $KSPLICE_CACHE/corpus/chunks/, the pieces of chunks.

# HERE: this folder (its stage files, in-guest, kbuild.mk); ROOT: the
# project (CORPUS_ROOT: when the folder runs from a copy elsewhere)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=${CORPUS_ROOT:-$(cd "$HERE/../.." && pwd)}
CACHE=${KSPLICE_CACHE:-/var/cache/ksplice}
BIN=${KSPLICE_BIN:-$ROOT/build/bin}
OLD=6.1.187-1 NEW=6.1.190-1 ABI=6.1.0-53-amd64

die() { echo "corpus: $*" >&2; exit 1; }
log() { echo "corpus: $*" >&2; }
sha() { sha256sum | cut -c1-64; }

# corpus_work: the two source trees and the run's cache directory WORK
# (after the options have set OLD, NEW)
corpus_work() {
	OSRC=$CACHE/kernels/$OLD/src NSRC=$CACHE/kernels/$NEW/src
	[ -d "$OSRC" ] && [ -d "$NSRC" ] || die "source trees $OLD and $NEW are not provisioned (scripts/fetch-kernel --parts source $OLD $NEW)"
	[ -f "$OSRC/.config" ] || die "$OSRC is not configured"
	WORK=$CACHE/corpus/$OLD-$NEW
	mkdir -p "$WORK/create" "$WORK/guest" || die "cannot write $WORK"
}

# seeded_order SEED: the lines of stdin (PATH first, tab separated) in a
# reproducible order, by SHA-256 of "SEED:PATH" (the order of --sample
# and of chunks: the first N of a seed hold the first M < N)
seeded_order() {
	local line
	while IFS= read -r line; do
		printf '%s\t%s\n' "$(printf '%s:%s' "$1" "${line%%$'\t'*}" | sha)" "$line"
	done | LC_ALL=C sort | cut -f2-
}

# snapshot_tools: the whole run uses a snapshot of the tools, the core
# module and the stub, laid out like the build tree (so ksplice-create
# finds its stub and symbols, and vm-run carries the same tools into the
# guest): a rebuild in the middle of a long run cannot mix two versions.
# Sets SNAP, BIN, KSPLICE_BUILD, KMOD and the hashes that key the cached
# results: CREATE_HASH (create/KEY), GUEST_HASH (guest/KEY).
snap_src() {
	printf '%s\n' "$BIN"/ksplice-* "$ROOT/build/kmod/$ABI"/* \
		"$ROOT"/src/create/stub/* "$ROOT"/include/ksplice/*
}
snapshot_tools() {
	local t
	for t in ksplice-create ksplice-apply ksplice-remove ksplice-view; do
		[ -x "$BIN/$t" ] || die "$BIN/$t missing (make tools)"
	done
	[ -f "$ROOT/build/kmod/$ABI/ksplice.ko" ] || die "$ROOT/build/kmod/$ABI/ksplice.ko missing (make kmod)"
	# (CORPUS_TOOLS: an existing snapshot, to share one between runs)
	SNAP=${CORPUS_TOOLS:-$WORK/tools/$(snap_src | xargs cat | sha | cut -c1-16)}
	if [ ! -d "$SNAP" ]; then
		rm -rf "$SNAP.tmp" && mkdir -p "$SNAP.tmp/build/bin" "$SNAP.tmp/build/kmod/$ABI" \
			"$SNAP.tmp/src/create/stub" "$SNAP.tmp/include/ksplice" &&
		cp -p "$BIN"/ksplice-* "$SNAP.tmp/build/bin/" &&
		cp -p "$ROOT/build/kmod/$ABI"/* "$SNAP.tmp/build/kmod/$ABI/" &&
		cp -p "$ROOT"/src/create/stub/* "$SNAP.tmp/src/create/stub/" &&
		cp -p "$ROOT"/include/ksplice/* "$SNAP.tmp/include/ksplice/" &&
		{ git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown; } > "$SNAP.tmp/COMMIT" &&
		mv "$SNAP.tmp" "$SNAP" || die "cannot snapshot the tools into $SNAP"
	fi
	BIN=$SNAP/build/bin
	export KSPLICE_BUILD=$SNAP/build
	KMOD=$SNAP/build/kmod/$ABI/ksplice.ko
	log "tools: $SNAP"
	CREATE_HASH=$(cat "$BIN/ksplice-create" "$SNAP/build/kmod/$ABI/ksplice.symvers" "$SNAP"/src/create/stub/* "$SNAP"/include/ksplice/* | sha)
	GUEST_HASH=$(cat "$BIN/ksplice-apply" "$BIN/ksplice-remove" "$KMOD" "$HERE/in-guest" | sha)
}

upd_id() { printf 'c%s' "$(printf '%s' "$1" | sha | cut -c1-12)"; }

# What ksplice-create printed of an update: "TARGET: changed|new|deleted
# NAME" lines (not its "note: ..." lines, which may say "new export").
# Read from the cached output each time, so a fix here applies to cached
# results too.
funcs_of() { # OUT
	awk '!/^note:/ && /^[^ ]+: (changed|new|deleted) [^ ]+$/ { printf "%s%s %s", s, $2, $3; s = ", " }' "$1"
}
targets_of() { # OUT
	awk '!/^note:/ && /^[^ ]+: (changed|new|deleted) [^ ]+$/ { t = $1; sub(/:$/, "", t); if (!(t in s)) { s[t] = 1; printf "%s%s", c, t; c = "," } }' "$1"
}
tarball_of() { ls "$WORK/create/$1"/ksplice-*.tar.gz 2>/dev/null | head -1; }

# Module options the guest's modprobe reads (corpus/modprobe.conf): a
# target that does nothing on load without one (vfb) is loaded with it.
# They are part of the key of the updates for those targets only.
MODCONF=$ROOT/corpus/modprobe.conf
mod_options() { # TARGETS (comma separated): their options lines
	local t
	for t in $(tr ',' ' ' <<< "$1"); do
		grep "^options ${t//-/_} " "$MODCONF" 2>/dev/null
	done
}
# guest result (cached by the hashes of the package and of the guest-side
# tools): $WORK/guest/KEY/result, one line CLASS<TAB>REASON
guest_key() { # KEY (of the create result)
	local tg
	tg=$(targets_of "$WORK/create/$1/out")
	# the targets decide what the guest loads and whether --partial
	{ echo "$GUEST_HASH"; sha256sum < "$(tarball_of "$1")"; echo "targets ${tg:-vmlinux}"
	  mod_options "$tg"; } | sha
}
