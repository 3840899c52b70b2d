#!/bin/bash
# Issue 23: ksplice-create refuses, when the update is made, a function
# that could never take the jump.  tests/patches/patch-site-jump-label.patch
# changes virtballoon_validate() (drivers/virtio/virtio_balloon.c, module
# virtio_balloon), which starts with a static branch (want_init_on_free())
# whose jump label the pre object's __jump_table puts at offset 9, inside
# the 5-byte jump that would go at offset 5 after the ftrace call.  The
# kernel rewrites that jump label whenever the key flips, so the update
# could only ever fail at apply time (abort cause patch_site_overlap):
# exit 8, one sentence naming the function, the offset and the kind of
# site, and nothing written.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
create_setup
P=$ROOT/tests/patches/patch-site-jump-label.patch

(cd "$WORK" && "$TOOL" --kernel=$ABI --patch="$P" --id=psite "$SRC") > "$WORK/out" 2>&1
rc=$?
cat "$WORK/out"
[ $rc = 8 ] || fail "exit $rc, expected 8 (a function cannot take the jump)"
grep -q 'drivers/virtio/virtio_balloon.c: virtballoon_validate: the jump at offset 5 would overlap a jump label site at offset 9' "$WORK/out" ||
	fail "the refusal does not name virtballoon_validate, offset 9 and the jump label"
grep -q 'patch_site_overlap' "$WORK/out" || fail "the refusal does not name the abort cause"
[ ! -e "$WORK/ksplice-psite.tar.gz" ] || fail "a refused update was written"

(cd "$WORK" && "$TOOL" --kernel=$ABI --patch="$P" --id=psite --json "$SRC") > "$WORK/json" 2>/dev/null
rc=$?
cat "$WORK/json"
[ $rc = 8 ] || fail "--json: exit $rc, expected 8"
grep -q '"status": 8, "error": "drivers/virtio/virtio_balloon.c: virtballoon_validate: ' "$WORK/json" ||
	fail "--json does not carry status 8 and the sentence"
echo "PASS: refused at create time with exit 8, naming the function, offset and site"
