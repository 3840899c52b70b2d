#!/bin/bash
# ksplice-create's refusals: each one clear sentence, its own exit
# status, and nothing left behind (no tarball, no temp dir, tree clean).
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
CACHE=${KSPLICE_CACHE:-/var/cache/ksplice}
SRC=$CACHE/kernels/6.1.192-1/src
ABI=6.1.0-55-amd64
HDR=$CACHE/abi/$ABI/build
TOOL=$ROOT/build/bin/ksplice-create
[ -d "$SRC" ] && [ -d "$HDR" ] ||
	{ echo "skip: 6.1.192-1 is not provisioned (make provision)"; exit 77; }
WORK=$(mktemp -d)
export TMPDIR=$WORK/tmp
mkdir -p "$TMPDIR"
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

mkpatch() { # NAME FILE SED-EXPR
	mkdir -p "$WORK/p/a/$(dirname "$2")" "$WORK/p/b/$(dirname "$2")"
	cp "$SRC/$2" "$WORK/p/a/$2"
	sed "$3" "$SRC/$2" > "$WORK/p/b/$2"
	(cd "$WORK/p" && diff -u "a/$2" "b/$2") > "$WORK/$1.patch"
	rm -rf "$WORK/p"
}
expect() { # STATUS PATTERN ARGS...
	local want=$1 pat=$2 rc
	shift 2
	(cd "$WORK" && "$TOOL" "$@") > "$WORK/out" 2>&1
	rc=$?
	cat "$WORK/out"
	[ $rc = "$want" ] || fail "exit $rc, expected $want for: $*"
	grep -q -- "$pat" "$WORK/out" || fail "message does not say '$pat'"
	ls "$WORK"/*.tar.gz "$WORK"/*.tmp.* >/dev/null 2>&1 && fail "something was left behind"
	[ -z "$(ls -A "$TMPDIR")" ] || fail "temp dir left: $(ls "$TMPDIR")"
	echo "ok: exit $rc"
}

# 3: a comment-only change compiles to the same code.
mkpatch comment fs/proc/version.c 's|^static int version_proc_show|/* a comment */\n&|'
expect 3 'No changes detected.' --kernel=$ABI --patch="$WORK/comment.patch" "$SRC"

# 4: a patch that does not apply.
printf -- '--- a/fs/proc/version.c\n+++ b/fs/proc/version.c\n@@ -1,3 +1,3 @@\n-no such line\n+other\n context\n' > "$WORK/bad.patch"
expect 4 'does not apply' --kernel=$ABI --patch="$WORK/bad.patch" "$SRC"

# 7: a changed initial value of writable data, named.
mkpatch data2 kernel/sys.c 's|^int overflowuid = DEFAULT_OVERFLOWUID;|int overflowuid = 65533;|'
grep -q overflowuid "$WORK/data2.patch" || fail "could not make the data patch"
expect 7 "variable 'overflowuid'" --kernel=$ABI --patch="$WORK/data2.patch" "$SRC"

# 5: a configuration that is not the source tree's.
mkdir -p "$WORK/cfg"
sed 's/^CONFIG_EXT4_FS=m/CONFIG_EXT4_FS=y/' "$HDR/.config" > "$WORK/cfg/.config"
cp "$HDR/Module.symvers" "$WORK/cfg/"
ln -s "$HDR" "$WORK/cfg/build"
expect 5 'not configured like the target kernel' --config="$WORK/cfg" \
	--kernel-version='#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-1' \
	--patch="$ROOT/tests/patches/proc-version.patch" "$SRC"

# 6: a compiler that is not the kernel's.
sed 's/^CONFIG_CC_VERSION_TEXT=.*/CONFIG_CC_VERSION_TEXT="gcc-12 (Debian 12.2.0-13) 12.2.0"/' \
	"$HDR/.config" > "$WORK/cfg/.config"
expect 6 'compiler' --config="$WORK/cfg" \
	--kernel-version='#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-1' \
	--patch="$ROOT/tests/patches/proc-version.patch" "$SRC"

# 2: usage.
expect 2 'usage' "$SRC"

# The private tree is back to the source's content.
TREE=$(private_tree "$SRC")
[ -d "$TREE" ] || fail "no private tree $TREE for $SRC"
# Read under the tree's lock, as ksplice-create holds it while the tree
# is patched: another ksplice-create on the same source (another checkout
# testing at the same time) must not be mistaken for a leftover.
flock "$TREE/.ksplice-lock" cmp -s "$TREE/kernel/sys.c" "$SRC/kernel/sys.c" ||
	fail "kernel/sys.c left patched in $TREE"
flock "$TREE/.ksplice-lock" cmp -s "$TREE/fs/proc/version.c" "$SRC/fs/proc/version.c" ||
	fail "version.c left patched"
echo "PASS"
