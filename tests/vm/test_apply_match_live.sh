#!/bin/bash
# The matcher in the guest against the live kernel (KASLR on): the pre
# objects of kernel/sys.o, fs/namei.o, net/ipv4/tcp.o and mm/mmap.o must
# match /proc/kcore through /proc/kallsyms, as on the captured text.
# Skips (77) when the pre objects have not been built.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${KSPLICE_CACHE:-/var/cache/ksplice}
SRC=${KSPLICE_PRE_SRC:-$CACHE/work-apply/src}
OBJS="kernel/sys.o fs/namei.o net/ipv4/tcp.o mm/mmap.o"
files=() guest=()
for o in $OBJS; do
	[ -f "$SRC/$o" ] || { echo "no pre object $SRC/$o (see tests/host/match_capture.sh)"; exit 77; }
	files+=(--file "$SRC/$o:/root/pre/$o")
	guest+=("/root/pre/$o")
done
BIN=$ROOT/build/tests/match_capture
gcc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I"$ROOT/include" \
	-I"$ROOT/src/lib" -O2 -g -o "$BIN" "$ROOT/tests/host/match_capture.c" \
	"$ROOT/build/libksplice.a" -lelf -lcapstone -lz || exit 1
out=$("$ROOT/scripts/vm-run" --smp 2 "${files[@]}" --file "$BIN:/root/match_capture" \
	-- "/root/match_capture live vmlinux ${guest[*]}")
rc=$?
echo "$out"
[ $rc -eq 0 ] || { echo "FAIL: live match exited $rc"; exit 1; }
echo "$out" | grep -q "TOTAL: .* 0 failed" || { echo "FAIL: no clean total"; exit 1; }
echo "PASS"
