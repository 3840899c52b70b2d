#!/bin/bash
# Issue 4, test 1: a built-in function with visible behaviour.  An update
# built with ksplice-create from a one-line change to fs/proc/version.c;
# after ksplice-apply /proc/version shows the new text, without a reboot;
# ksplice-view shows it with its pause time; function tracing of the
# replaced function still works; after ksplice-remove the old text is back.
# Skips (77) without ksplice-create or the core module.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${KSPLICE_CACHE:-/var/cache/ksplice}
ABI=${KSPLICE_KERNEL:-6.1.0-55-amd64}
SRC=${KSPLICE_SOURCE:-$CACHE/kernels/6.1.192-1/src}
for f in "$ROOT/build/bin/ksplice-create" "$ROOT/build/kmod/$ABI/ksplice.ko" "$SRC/fs/proc/version.c"; do
	[ -e "$f" ] || { echo "missing $f"; exit 77; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/apply-version.XXXXXX")
trap 'rm -rf "$W"' EXIT
cat > "$W/version.patch" <<'PEOF'
--- a/fs/proc/version.c
+++ b/fs/proc/version.c
@@ -9,6 +9,7 @@
 
 static int version_proc_show(struct seq_file *m, void *v)
 {
+	seq_puts(m, "ksplice-patched ");
 	seq_printf(m, linux_proc_banner,
 		utsname()->sysname,
 		utsname()->release,
PEOF
# uname -v of the stock kernel, when a capture knows it exactly.
KV=()
if [ -f "$CACHE/captures/$ABI/version" ]; then
	v=$(sed -n 's/.*) \(#[0-9].*\)$/\1/p' "$CACHE/captures/$ABI/version")
	[ -n "$v" ] && KV=(--kernel-version="$v")
fi
"$ROOT/build/bin/ksplice-create" --patch="$W/version.patch" --id=vers1 \
	--description="/proc/version: ksplice-patched prefix" --kernel="$ABI" \
	"${KV[@]}" --output-dir="$W" -j 2 -q "$SRC" || { echo "FAIL: ksplice-create"; exit 1; }
PKG=$W/ksplice-vers1.tar.gz
[ -f "$PKG" ] || { echo "FAIL: no package"; exit 1; }

GUEST='
fail() { echo "FAIL: $*"; exit 1; }
before=$(cat /proc/version)
ksplice-apply /root/u.tar.gz || fail "apply"
after=$(cat /proc/version); echo "after apply: $after"
[ "$after" = "ksplice-patched $before" ] || fail "new text not shown"
ksplice-view | grep -q "^vers1: /proc/version: ksplice-patched prefix" || fail "view"
ksplice-view --id=vers1 > /tmp/vi; cat /tmp/vi
grep -q "^vmlinux version_proc_show 0x" /tmp/vi || fail "view --id functions"
grep -q "^apply [1-9][0-9]*$" /tmp/vi || fail "view --id pause"
echo "PAUSE-APPLY $(grep "^apply " /tmp/vi)"
echo "== tracing the replaced function"
T=/sys/kernel/tracing
echo version_proc_show > $T/set_ftrace_filter || fail "set_ftrace_filter"
echo function > $T/current_tracer || fail "function tracer"
cat /proc/version > /tmp/v2
# read the trace before switching tracers: that clears the buffer
grep version_proc_show $T/trace | tail -2
grep -q version_proc_show $T/trace || fail "no trace of version_proc_show"
echo nop > $T/current_tracer
[ "$(cat /tmp/v2)" = "ksplice-patched $before" ] || fail "traced call lost the new code"
echo > $T/set_ftrace_filter
echo "== remove"
ksplice-remove vers1 || fail "remove"
[ "$(cat /proc/version)" = "$before" ] || fail "old text not back"
echo ALL-OK
'
out=$("$ROOT/scripts/vm-run" --smp 2 --file "$PKG:/root/u.tar.gz" -- "$GUEST")
rc=$?
echo "$out"
[ $rc -eq 0 ] && echo "$out" | grep -q ALL-OK || { echo "FAIL (vm-run exit $rc)"; exit 1; }
echo PASS
