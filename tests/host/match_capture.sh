#!/bin/bash
# The matcher against running-kernel text captured from a guest
# (scripts/capture-run-text): every function of kernel/sys.o, fs/namei.o,
# net/ipv4/tcp.o and mm/mmap.o, built as pre objects, must match its
# running copy (apart from overridden __weak functions and freed __init
# code), and a byte altered outside the rewrite sites must be caught.
# Skips (77) when the capture or the pre objects are absent.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${KSPLICE_CACHE:-/var/cache/ksplice}
ABI=${KSPLICE_KERNEL:-6.1.0-55-amd64}
CAP=$CACHE/captures/$ABI
SRC=${KSPLICE_PRE_SRC:-$CACHE/work-apply/src}
OBJS="kernel/sys.o fs/namei.o net/ipv4/tcp.o mm/mmap.o"

if [ ! -f "$CAP/kallsyms" ]; then
	echo "no capture in $CAP: run scripts/capture-run-text"
	exit 77
fi
paths=()
for o in $OBJS; do
	if [ ! -f "$SRC/$o" ]; then
		echo "no pre object $SRC/$o: build it with make KCFLAGS=\"-ffunction-sections -fdata-sections\" $OBJS in a copy of the source"
		exit 77
	fi
	paths+=("$SRC/$o")
done
BIN=$ROOT/build/tests/match_capture
mkdir -p "$(dirname "$BIN")"
gcc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I"$ROOT/include" \
	-I"$ROOT/src/lib" -O2 -g -o "$BIN" "$ROOT/tests/host/match_capture.c" \
	"$ROOT/build/libksplice.a" -lelf -lcapstone -lz || exit 1
echo "\$ $BIN $CAP vmlinux ${paths[*]}"
"$BIN" "$CAP" vmlinux "${paths[@]}"
rc=$?
[ $rc -eq 0 ] || exit $rc
# A module target too, when its pre objects are there: ext4 (loaded in
# the capture) with fs/ext4/mballoc.o and fs/ext4/inode.o.
if [ -f "$SRC/fs/ext4/mballoc.o" ] && [ -f "$SRC/fs/ext4/inode.o" ] &&
   grep -q "^ext4 " "$CAP/regions"; then
	echo "\$ $BIN $CAP ext4 $SRC/fs/ext4/mballoc.o $SRC/fs/ext4/inode.o"
	"$BIN" "$CAP" ext4 "$SRC/fs/ext4/mballoc.o" "$SRC/fs/ext4/inode.o" || exit 1
else
	echo "(ext4 pre objects not built: module matching not checked here)"
fi
