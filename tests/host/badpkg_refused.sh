#!/bin/bash
# Hand-made bad update packages (tests/host/badpkg_corpus): truncated,
# damaged, wrong hashes, path traversal and absolute names in tar entries,
# symlinks, hard links, devices, huge sizes, duplicate and foreign entries,
# broken manifests.  Each is refused when opened (ksplice-view --file,
# which unpacks and checks it exactly as ksplice-apply does, with no
# kernel involved) with exit 20 (invalid_update) and one clear sentence
# naming the problem; nothing is written outside the work directory and
# nothing is left inside it.  (The same corpus against a running kernel:
# tests/vm/test_fault_badpkg.sh.)
. "$(dirname "$0")/../lib/lib.sh"
W=$(mktemp -d "${TMPDIR:-/tmp}/badpkg.XXXXXX"); trap 'rm -rf "$W"' EXIT
"$ROOT/tests/host/badpkg_corpus" "$W" > "$W/corpus.log" 2>&1; rc=$?
[ $rc = 77 ] && skip "$(tail -1 "$W/corpus.log")"
[ $rc = 0 ] || { cat "$W/corpus.log"; fail "building the corpus"; }
mkdir -p "$W/tmp"
n=0
while IFS='|' read -r name where text; do
	[ "$where" = host ] || continue
	pkg=$W/corpus/$name.tar.gz
	[ -f "$pkg" ] || fail "$name: not in the corpus"
	out=$(TMPDIR=$W/tmp "$ROOT/build/bin/ksplice-view" --file="$pkg" 2>&1); rc=$?
	msg=$(printf '%s\n' "$out" | sed '/^$/d' | tail -1)
	printf '%-20s exit %d: %s\n' "$name" "$rc" "$msg"
	expect_eq "$name: exit status (invalid_update)" 20 "$rc"
	[ -n "$msg" ] || fail "$name: no message"
	[ -n "$text" ] && expect_contains "$name: message" "$text" "$msg"
	[ -z "$(ls -A "$W/outside")" ] || fail "$name: wrote outside the work dir: $(ls -A "$W/outside")"
	[ -z "$(ls -A "$W/tmp")" ] || fail "$name: left files in the work dir: $(ls -A "$W/tmp")"
	[ ! -e "$W/badpkg-escaped" ] && [ ! -e "$W/corpus/badpkg-escaped" ] ||
		fail "$name: an entry escaped"
	n=$((n + 1))
done < "$W/expect"
[ $n -ge 25 ] || fail "only $n packages checked"
# and the good one opens
TMPDIR=$W/tmp "$ROOT/build/bin/ksplice-view" --file="$W/good/ktest.tar.gz" > /dev/null ||
	fail "the good package is refused"
echo "$n bad packages refused, nothing written outside"
