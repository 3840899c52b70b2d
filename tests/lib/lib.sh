# Helpers shared by the test scripts (sourced).
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VM_RUN=$ROOT/scripts/vm-run
KSPLICE_CACHE=${KSPLICE_CACHE:-/var/cache/ksplice}
ABI=${KSPLICE_KERNEL:-6.1.0-55-amd64}

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "skipped: $*"; exit 77; }

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
}
# expect_contains WHAT NEEDLE HAYSTACK
expect_contains() {
	case $3 in *"$2"*) ;; *) fail "$1: '$2' not found in: $3" ;; esac
}

# step TITLE: print TITLE with the time since the previous step (or since
# the script sourced this file), as the story-telling tests and
# `make demo` show them.
STEP_T=$(date +%s.%N)
step() {
	local t
	t=$(date +%s.%N)
	printf '  %-58s %6.2fs\n' "$1" "$(echo "$t - $STEP_T" | bc)"
	STEP_T=$t
}

# create_setup: for the host tests that run ksplice-create on the
# provisioned Debian 6.1.192-1 source: SRC, ABI, TOOL and a WORK
# directory removed at exit; skips when the source is not provisioned.
create_setup() {
	SRC=$KSPLICE_CACHE/kernels/6.1.192-1/src
	ABI=6.1.0-55-amd64
	TOOL=$ROOT/build/bin/ksplice-create
	[ -d "$SRC" ] && [ -d "$KSPLICE_CACHE/abi/$ABI/build" ] ||
		skip "6.1.192-1 is not provisioned (make provision)"
	WORK=$(mktemp -d)
	trap 'rm -rf "$WORK"' EXIT
}

# private_tree SRC: the private build tree ksplice-create keeps for the
# source SRC: tree-KEY, KEY the first 16 hex digits of the SHA-256 of its
# real path (kb_prepare_tree()).  Not whichever tree sorts first, which is
# another source's once the cache holds several.
private_tree() {
	echo "$KSPLICE_CACHE/create/tree-$(printf '%s' "$(readlink -f "$1")" | sha256sum | cut -c1-16)"
}

# xvfb_start FIRST LOG: an X server (Xvfb, 1024x640, no TCP) on the
# first free display from :FIRST, its output in LOG; exports DISPLAY and
# sets XPID, which the caller's EXIT trap kills.  Fails the test when the
# server does not answer within a generous bound.
xvfb_start() {
	local n=$1 i
	while [ -e /tmp/.X11-unix/X$n ] || [ -e /tmp/.X$n-lock ]; do n=$((n + 1)); done
	Xvfb :$n -screen 0 1024x640x24 -nolisten tcp > "$2" 2>&1 &
	XPID=$!
	export DISPLAY=:$n
	for i in $(seq 600); do xwininfo -root >/dev/null 2>&1 && break; sleep 0.1; done
	xwininfo -root >/dev/null 2>&1 || fail "Xvfb did not start: $(cat "$2")"
}

# ktest_setup NAME: for the guest tests around the hand-made update
# "ktest" (tests/bench/ktest-package): W, a scratch directory removed at
# exit, holding ktest.tar.gz; skips when its ingredients are not built.
ktest_setup() {
	local rc
	W=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
	trap 'rm -rf "$W"' EXIT
	"$ROOT/tests/bench/ktest-package" "$W" > "$W/pkg.log" 2>&1; rc=$?
	[ $rc = 77 ] && skip "$(tail -1 "$W/pkg.log")"
	[ $rc = 0 ] || { cat "$W/pkg.log"; fail "building the ktest package"; }
}

# ktest_debug_kmod: the core module's debug build (the switches of
# docs/sysfs-abi.md marked "debug build only") in $W/dbg/ksplice.ko.
ktest_debug_kmod() {
	"$ROOT/tests/bench/build-debug-kmod" "$W/dbg" > "$W/dbg.log" 2>&1 ||
		{ cat "$W/dbg.log"; fail "building the debug core module"; }
}

# ktest_guest [VM-RUN OPTIONS]: run $W/guest.sh in a 2-vCPU guest with
# the ktest package and tests/bench/fault-guest-lib in /root; passes when
# the guest prints ALL-OK and vm-run saw no oops, warning or hang.
ktest_guest() {
	local out rc
	out=$("$VM_RUN" --smp 2 "$@" \
		--file "$W/ktest.tar.gz:/root/ktest.tar.gz" \
		--file "$ROOT/tests/bench/fault-guest-lib:/root/fault-guest-lib" \
		--file "$W/guest.sh:/root/guest.sh" -- "sh /root/guest.sh")
	rc=$?
	echo "$out"
	expect_eq "guest exit (125: oops/warning, 124: hang)" 0 "$rc"
	expect_contains "guest result" ALL-OK "$out"
}
