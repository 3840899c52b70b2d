#!/bin/bash
# The corpus of hand-made bad packages (tests/host/badpkg_corpus) against a
# running kernel: ksplice-apply refuses every one (invalid_update, 20; the
# wrong-kernel one wrong_kernel, 21) with a message, writes nothing
# outside its work directory, leaves nothing in it, and the kernel is
# unchanged (no update in sysfs, no new-code module, the target's code and
# result as before).  The good package still applies afterwards.
. "$(dirname "$0")/../lib/lib.sh"
W=$(mktemp -d "${TMPDIR:-/tmp}/badpkg-vm.XXXXXX"); trap 'rm -rf "$W"' EXIT
"$ROOT/tests/host/badpkg_corpus" "$W" > "$W/corpus.log" 2>&1; rc=$?
[ $rc = 77 ] && skip "$(tail -1 "$W/corpus.log")"
[ $rc = 0 ] || { cat "$W/corpus.log"; fail "building the corpus"; }
cp "$W/good/ktest.tar.gz" "$W/corpus/good.tar.gz"
rm -f "$W/corpus/huge-entry.tar.gz"	# 1.5 MB, host test covers it
cat > "$W/guest.sh" <<GUEST
OUTSIDE=$W/outside
GUEST
cat >> "$W/guest.sh" <<'GUEST'
. /root/fault-guest-lib
mkdir -p "$OUTSIDE" /tmp/work
insmod /lib/ksplice/ksplice.ko || fail "insmod ksplice"
insmod /lib/ksplice/ksplice_target.ko || fail "insmod target"
record_orig
n=0
while IFS='|' read -r name where text; do
	pkg=/root/corpus/$name.tar.gz
	[ -f "$pkg" ] || continue
	TMPDIR=/tmp/work ksplice-apply --raw-errors "$pkg" > /tmp/o 2>&1; rc=$?
	printf '%-20s exit %d: %s\n' "$name" $rc "$(sed '/^$/d' /tmp/o | tail -1)"
	want=20; [ "$name" = wrong-kernel ] && want=21
	[ $rc = $want ] || { cat /tmp/o; fail "$name: exit $rc, expected $want"; }
	[ -n "$text" ] && { grep -qF -- "$text" /tmp/o || fail "$name: message lacks '$text'"; }
	[ -z "$(ls -A "$OUTSIDE")" ] || fail "$name: wrote outside: $(ls -A "$OUTSIDE")"
	[ -z "$(ls -A /tmp/work)" ] || fail "$name: left files: $(ls -A /tmp/work)"
	[ -z "$(ls $K | grep -v '^control$')" ] || fail "$name: update left in sysfs: $(ls $K)"
	lsmod | grep -q '^ksplice_testupdate ' && fail "$name: new-code module loaded"
	unchanged "$name"
	n=$((n + 1))
done < /root/expect
echo "$n bad packages refused by ksplice-apply, kernel unchanged"
[ $n -ge 25 ] || fail "only $n packages tried"
works "good package after the corpus"
echo ALL-OK
GUEST
out=$("$VM_RUN" --smp 2 --file "$W/corpus:/root/corpus" --file "$W/expect:/root/expect" \
	--file "$ROOT/tests/bench/fault-guest-lib:/root/fault-guest-lib" \
	--file "$W/good/ktest.tar.gz:/root/ktest.tar.gz" \
	--file "$W/guest.sh:/root/guest.sh" -- "sh /root/guest.sh")
rc=$?
echo "$out"
expect_eq "guest exit (125: oops/warning, 124: hang)" 0 "$rc"
expect_contains "guest result" ALL-OK "$out"
