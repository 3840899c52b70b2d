#!/bin/bash
# A fix that adds a helper to a header used across the kernel:
# tests/patches/global-header-helper.patch adds the inline seq_puts_line()
# to include/linux/seq_file.h and calls it from fs/proc/cmdline.c.  No
# code of the tree mentions seq_puts_line, so no object but cmdline.o can
# change, and ksplice-create builds only that one without --prebuild,
# saying so in a note.  The same helper named show_stat, a name that
# fs/proc/stat.c and mm/slub.c already use, is refused (exit 7) with the
# use named, as is a change to an existing declaration of the header.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
create_setup
[ -e "$(private_tree "$SRC")/.ksplice-prebuilt" ] &&
	skip "the build tree is --prebuilt: every includer is known, this path is not taken"
P=$ROOT/tests/patches/global-header-helper.patch

(cd "$WORK" && "$TOOL" -v --kernel=$ABI --patch="$P" --id=ghdr "$SRC") > "$WORK/out" 2>&1
rc=$?
grep -v '^  \(CC\|PRE\|DIFF\) ' "$WORK/out"
[ $rc = 0 ] || fail "exit $rc, expected 0"
grep -q 'note: include/linux/seq_file.h is used across the kernel, but the change only declares new names (seq_puts_line) that no code of the tree mentions' "$WORK/out" ||
	fail "no note that the header's change only declares seq_puts_line"
mkdir "$WORK/x" && tar -xzf "$WORK/ksplice-ghdr.tar.gz" -C "$WORK/x" || fail "unpack"
M=$WORK/x/ksplice-ghdr/manifest
got=$(awk '$1 == "func" { print $2 ":" $3 ":" $4 }' "$M" | sort | tr '\n' ' ')
[ "$got" = "changed:cmdline_proc_show:fs/proc/cmdline.o " ] || fail "functions '$got'"
[ "$(awk '$1 == "object"' "$M" | wc -l)" = 1 ] || fail "only cmdline.o should be carried"

# refused PATCH ID WHAT: ksplice-create exits 7 on PATCH and writes nothing
refused() {
	(cd "$WORK" && "$TOOL" --kernel=$ABI --patch="$1" --id="$2" "$SRC") > "$WORK/out" 2>&1
	local rc=$?
	cat "$WORK/out"
	[ $rc = 7 ] || fail "$3: exit $rc, expected 7"
	[ ! -e "$WORK/ksplice-$2.tar.gz" ] || fail "$3: a refused update was written"
}

# the helper under a name the tree already uses
sed 's/seq_puts_line/show_stat/g' "$P" > "$WORK/used.patch"
refused "$WORK/used.patch" ghdr2 "a name in use"
grep -Eq 'the patch changes include/linux/seq_file.h, a header used across the kernel, and not only by declaring new names \(it declares show_stat, which (fs/proc/stat.c|mm/slub.c) already mentions\); run ksplice-create once with --prebuild' "$WORK/out" ||
	fail "the refusal does not name show_stat and where it is used"

# an existing declaration changed as well: the signature of seq_putc
sed 's/^ void seq_putc(struct seq_file \*m, char c);/-void seq_putc(struct seq_file *m, char c);\n+void seq_putc(struct seq_file *m, int c);/' "$P" > "$WORK/sig.patch"
grep -q '^+void seq_putc(struct seq_file \*m, int c);' "$WORK/sig.patch" || fail "test setup: the signature change is not in the patch"
refused "$WORK/sig.patch" ghdr3 "a changed declaration"
grep -q 'not only by declaring new names (the change removes or alters old lines' "$WORK/out" ||
	fail "the refusal does not say that old lines changed"
echo "PASS: an added helper builds only its caller; a used name and a changed declaration are refused"
