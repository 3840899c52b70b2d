#!/bin/bash
# A changed built-in function that reads a per-CPU variable of vmlinux
# that is not exported: process_counts (kernel/fork.c, declared in
# <linux/sched/stat.h>), whose kallsyms address is an offset into the
# per-CPU area (0x20090 on 6.1.0-55), not an address of vmlinux.  The
# update, built with ksplice-create from a small change to
# fs/proc/loadavg.c, appends "pc=N" to /proc/loadavg, N the sum of
# process_counts over all possible CPUs.  The core module must accept
# the symbol (it once refused it: "no symbol at 0x20090"), and the new
# code must read the right variable: N equals the number of processes
# in /proc, counted without forking.  After ksplice-remove the field is
# gone.  Before that, two wrong addresses handed to ksplice-apply (a
# doctored kallsyms) must be refused by the core module, each with its
# exact message.  Skips (77) without ksplice-create or the core module.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${KSPLICE_CACHE:-/var/cache/ksplice}
ABI=${KSPLICE_KERNEL:-6.1.0-55-amd64}
SRC=${KSPLICE_SOURCE:-$CACHE/kernels/6.1.192-1/src}
for f in "$ROOT/build/bin/ksplice-create" "$ROOT/build/kmod/$ABI/ksplice.ko" \
	"$SRC/fs/proc/loadavg.c"; do
	[ -e "$f" ] || { echo "missing $f"; exit 77; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/apply-percpu.XXXXXX")
trap 'rm -rf "$W"' EXIT
cat > "$W/percpu.patch" <<'PEOF'
--- a/fs/proc/loadavg.c
+++ b/fs/proc/loadavg.c
@@ -14,14 +14,19 @@
 static int loadavg_proc_show(struct seq_file *m, void *v)
 {
 	unsigned long avnrun[3];
+	unsigned long pc = 0;
+	int cpu;
 
 	get_avenrun(avnrun, FIXED_1/200, 0);
+	for_each_possible_cpu(cpu)
+		pc += per_cpu(process_counts, cpu);
 
-	seq_printf(m, "%lu.%02lu %lu.%02lu %lu.%02lu %u/%d %d\n",
+	seq_printf(m, "%lu.%02lu %lu.%02lu %lu.%02lu %u/%d %d pc=%lu\n",
 		LOAD_INT(avnrun[0]), LOAD_FRAC(avnrun[0]),
 		LOAD_INT(avnrun[1]), LOAD_FRAC(avnrun[1]),
 		LOAD_INT(avnrun[2]), LOAD_FRAC(avnrun[2]),
 		nr_running(), nr_threads,
-		idr_get_cursor(&task_active_pid_ns(current)->idr) - 1);
+		idr_get_cursor(&task_active_pid_ns(current)->idr) - 1,
+		pc);
 	return 0;
 }
 
PEOF
KV=()
if [ -f "$CACHE/captures/$ABI/version" ]; then
	v=$(sed -n 's/.*) \(#[0-9].*\)$/\1/p' "$CACHE/captures/$ABI/version")
	[ -n "$v" ] && KV=(--kernel-version="$v")
fi
"$ROOT/build/bin/ksplice-create" --patch="$W/percpu.patch" --id=pcpu1 \
	--description="/proc/loadavg: sum of process_counts" --kernel="$ABI" \
	"${KV[@]}" --output-dir="$W" -j 2 -q "$SRC" || { echo "FAIL: ksplice-create"; exit 1; }
PKG=$W/ksplice-pcpu1.tar.gz
[ -f "$PKG" ] || { echo "FAIL: no package"; exit 1; }

# In the guest, "read" and a glob are shell builtins: reading
# /proc/loadavg and counting /proc/[0-9]* fork nothing.  A kernel thread
# may come or go between the two, so a few tries are allowed.
GUEST='
fail() { echo "FAIL: $*"; exit 1; }
grep -q " A process_counts$" /proc/kallsyms || fail "process_counts is not a per-CPU (A) symbol here"
read l < /proc/loadavg
case "$l" in *pc=*) fail "pc= before apply: $l" ;; esac
# A wrong address must be refused by the core module itself: user space
# is handed a kallsyms copy where process_counts has another address.
pc_addr=$(grep " A process_counts$" /proc/kallsyms | cut -d" " -f1)
other=$(grep " A bpf_prog_active$" /proc/kallsyms | cut -d" " -f1)
[ -n "$other" ] || fail "no bpf_prog_active in kallsyms"
refused() { # ADDR EXPECTED-MESSAGE
	sed "s/^$pc_addr A process_counts$/$1 A process_counts/" /proc/kallsyms > /tmp/ks
	grep -q "^$1 A process_counts$" /tmp/ks || fail "doctored kallsyms"
	KSPLICE_KALLSYMS=/tmp/ks ksplice-apply /root/u.tar.gz > /tmp/out 2>&1
	rc=$?
	cat /tmp/out
	[ $rc = 14 ] || fail "apply with process_counts at $1: exit $rc, not 14 (failed_to_find)"
	grep -qF "$2" /tmp/out || fail "message for $1 is not: $2"
	[ -z "$(ls /sys/kernel/ksplice | grep pcpu1)" ] || fail "pcpu1 left behind"
	read l < /proc/loadavg
	case "$l" in *pc=*) fail "pc= after a refused apply: $l" ;; esac
}
o=$(echo $other | sed "s/^0*//")
p=$(echo $pc_addr | sed "s/^0*//")
echo "== another per-CPU variable: bpf_prog_active at 0x$o"
refused $other "symbol 0: per-CPU 0x$o in vmlinux is not process_counts, which kallsyms has at 0x$p"
echo "== beyond the per-CPU area"
refused 0000000000100000 "symbol 0: no symbol at 0x100000 (expected process_counts in vmlinux)"
echo "== the right address"
ksplice-apply /root/u.tar.gz || fail "apply"
ok=0
for try in 1 2 3 4 5; do
	read a b c d e pc rest < /proc/loadavg
	set -- /proc/[0-9]*
	n=$#
	echo "try $try: $pc, processes in /proc: $n"
	[ "$pc" = "pc=$n" ] && { ok=1; break; }
done
[ $ok = 1 ] || fail "the new code did not read process_counts (got $pc, expected pc=$n)"
[ "$n" -gt 5 ] || fail "implausible process count $n"
ksplice-remove pcpu1 || fail "remove"
read l < /proc/loadavg
echo "after remove: $l"
case "$l" in *pc=*) fail "pc= still shown after remove" ;; esac
echo ALL-OK
'
out=$("$ROOT/scripts/vm-run" --smp 2 --file "$PKG:/root/u.tar.gz" -- "$GUEST")
rc=$?
echo "$out"
[ $rc -eq 0 ] && echo "$out" | grep -q ALL-OK || { echo "FAIL (vm-run exit $rc)"; exit 1; }
echo PASS
