# The core module against a hand-written update (tests/kmod/): resolve,
# load new code with its ksplice relocations, apply / reverse, no_match,
# code_busy, ftrace on the replaced function, apply/reverse while both
# vCPUs call the function.  Runs in a 2-vCPU guest.
. "$(dirname "$0")/../lib/lib.sh"
for m in ksplice ksplice_target ksplice_testupdate ksplice_testupdate2 \
	ksplice_testupdate_keyed; do
	[ -f "$ROOT/build/kmod/$ABI/$m.ko" ] ||
		fail "$m.ko not built (scripts/build-kmod $ABI)"
done
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/guest.sh" <<'GUEST'
K=/sys/kernel/ksplice
P=/sys/module/ksplice_target/parameters
fail() { echo "FAIL: $*"; exit 1; }
eq() { [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"; }
has() { case $3 in *"$2"*) ;; *) fail "$1: '$2' not in: $3" ;; esac; }
wait_for() { # FILE VALUE
	i=0
	while [ "$(cat "$1")" != "$2" ]; do
		i=$((i + 1)); [ $i -lt 1200 ] || fail "$1 never became $2"
		sleep 0.05
	done
}
ksym() { # NAME -> 0xADDR of a ksplice_target symbol, from /proc/kallsyms
	a=$(grep " $1	\[ksplice_target\]" /proc/kallsyms | cut -d' ' -f1)
	[ -n "$a" ] || fail "$1 not in /proc/kallsyms"
	echo "0x$a"
}
# func line for function IDX of ksplice_target: ADDR SIZE 5 BYTES(N)
func_line() { # IDX INFO_PARAM NAME NBYTES [WRONG]
	set -- "$1" "$(cat $P/$2)" "$3" "$4" "${5:-}"
	addr=${2%% *}; rest=${2#* }; size=${rest%% *}; hex=${rest#* }
	eq "$3 address (value_info vs kallsyms)" "$(ksym "$3")" "$addr"
	# offset 0 is the 5-byte fentry site, a nop while not traced
	eq "$3 fentry nop" 0f1f440000 "$(echo "$hex" | cut -c1-10)"
	bytes=$(echo "$hex" | cut -c11-$((10 + 2 * $4)))
	[ -n "$5" ] && bytes=90$(echo "$bytes" | cut -c3-)
	echo "func ksplice_target $1 $addr $size 5 $bytes"
}
resolve() { # [WRONG]
	{
		echo "sym ksplice_target 0 $(ksym ksplice_target_base)"
		func_line 0 value_info ksplice_target_value 8 "${1:-}"
		func_line 1 sleepy_info ksplice_target_sleepy 5
	} > /tmp/resolve || exit 1
	cat /tmp/resolve > $K/ktest/resolve || fail "resolve write refused"
}
prepare() { # [WRONG]
	echo prepare ktest > $K/control || fail "prepare"
	eq stage prepared "$(cat $K/ktest/stage)"
	resolve "${1:-}"
	insmod /lib/ksplice/ksplice_testupdate.ko || fail "insmod testupdate"
	eq targets "ksplice_target ksplice_testupdate" "$(cat $K/ktest/targets)"
}
finish() {
	rmmod ksplice_testupdate || fail "rmmod testupdate"
	eq "targets after rmmod" "" "$(cat $K/ktest/targets)"
	echo drop ktest > $K/control || fail "drop"
	[ ! -e $K/ktest ] || fail "ktest still there after drop"
}

insmod /lib/ksplice/ksplice.ko || fail "insmod ksplice"
dmesg | grep -q "ksplice: idle_threads not found" && fail "idle tasks unchecked"
insmod /lib/ksplice/ksplice_target.ko || fail "insmod target"
eq "value before" 1 "$(cat $P/value)"
orig=$(cat $P/value_info)

echo "== new code refused without a prepared update"
insmod /lib/ksplice/ksplice_testupdate.ko 2>/dev/null &&
	fail "testupdate loaded without prepare"
dmesg | grep -q "no prepared update ktest" || fail "no pr_err for refusal"

echo "== new code refused when a symbol was not resolved"
echo prepare ktest > $K/control || fail "prepare"
resolve
echo prepare ktest > $K/control 2>/dev/null && fail "prepare twice"
echo drop ktest > $K/control
echo prepare ktest > $K/control
grep -v '^sym' /tmp/resolve > $K/ktest/resolve || fail "resolve"
insmod /lib/ksplice/ksplice_testupdate.ko 2>/dev/null &&
	fail "testupdate loaded with symbol 0 unresolved"
eq "cause (unresolved)" failed_to_find "$(cat $K/ktest/abort_cause)"
has "message (unresolved)" ksplice_target_base "$(cat $K/ktest/message)"
echo drop ktest > $K/control

echo "== no_match: wrong expected bytes"
prepare wrong
eq "target_ptr (R_X86_64_64)" "$(ksym ksplice_target_base)" \
	"0x$(printf %x "$(cat /sys/module/ksplice_testupdate/parameters/target_ptr)")"
echo apply > $K/ktest/stage 2>/dev/null && fail "apply with wrong bytes"
eq "cause (wrong bytes)" no_match "$(cat $K/ktest/abort_cause)"
msg=$(cat $K/ktest/message); echo "message: $msg"
has "message" "ksplice_target_value at $(ksym ksplice_target_value)+5" "$msg"
has "message" "expected 90" "$msg"
eq "stage (no_match)" aborted "$(cat $K/ktest/stage)"
eq "value (no_match)" 1 "$(cat $P/value)"
eq "code unchanged (no_match)" "$orig" "$(cat $P/value_info)"
finish

echo "== apply / reverse"
prepare
eq description "test update: ksplice_target_value returns 2" \
	"$(cat $K/ktest/description)"
eq "functions lines" 2 "$(wc -l < $K/ktest/functions)"
echo apply > $K/ktest/stage || fail "apply: $(cat $K/ktest/message)"
eq "stage" applied "$(cat $K/ktest/stage)"
eq "value after apply" 2 "$(cat $P/value)"
eq cause none "$(cat $K/ktest/abort_cause)"
pause=$(grep apply $K/ktest/pause_ns | cut -d' ' -f2)
echo "pause_ns apply: $pause tries: $(cat $K/ktest/tries)"
[ "$pause" -gt 0 ] || fail "pause_ns apply is $pause"
eq "jump at offset 5" e9 "$(cat $P/value_info | cut -d' ' -f3 | cut -c11-12)"
echo apply > $K/ktest/stage 2>/dev/null && fail "apply twice"
eq "cause (twice)" already_applied "$(cat $K/ktest/abort_cause)"
rmmod ksplice_testupdate 2>/dev/null && fail "new code unloaded while applied"
rmmod ksplice_target 2>/dev/null && fail "target unloaded while applied"
echo drop ktest > $K/control 2>/dev/null && fail "dropped while applied"

echo "== ftrace on the replaced function"
mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
T=/sys/kernel/tracing
echo ksplice_target_value > $T/set_ftrace_filter || fail "set_ftrace_filter"
echo function > $T/current_tracer || fail "current_tracer"
eq "value while traced" 2 "$(cat $P/value)"
grep -q ksplice_target_value $T/trace || fail "no trace of ksplice_target_value"
echo nop > $T/current_tracer
echo > $T/set_ftrace_filter

echo "== a kprobe on the replaced function"
# (the hand-written new code is assembly without an fentry site, which
# kprobe events refuse as notrace; ksplice-create's C new code has one)
echo 'p:kold ksplice_target_value' >> $T/kprobe_events || fail "kprobe old"
echo > $T/trace
echo 1 > $T/events/kprobes/enable || fail "enable kprobes"
eq "value while kprobed" 2 "$(cat $P/value)"
echo 0 > $T/events/kprobes/enable
tr=$(cat $T/trace)
has "kprobe on the old function" "kold:" "$tr"
echo > $T/kprobe_events || fail "remove kprobes"
grep -q ftrace_bug /proc/kallsyms >/dev/null
dmesg | grep -qi "ftrace failed\|ftrace_bug\|ftrace faulted" && fail "ftrace bug"

echo reverse > $K/ktest/stage || fail "reverse: $(cat $K/ktest/message)"
eq "stage" reversed "$(cat $K/ktest/stage)"
eq "value after reverse" 1 "$(cat $P/value)"
eq "code restored" "$orig" "$(cat $P/value_info)"
rpause=$(grep reverse $K/ktest/pause_ns | cut -d' ' -f2)
echo "pause_ns reverse: $rpause"
[ "$rpause" -gt 0 ] || fail "pause_ns reverse is $rpause"
echo reverse > $K/ktest/stage 2>/dev/null && fail "reverse twice"
eq "cause (reverse twice)" not_applied "$(cat $K/ktest/abort_cause)"
finish

echo "== code_busy: a task sleeps inside ksplice_target_sleepy"
echo 2 > /sys/module/ksplice/parameters/retries
echo 50 > /sys/module/ksplice/parameters/retry_delay_ms
prepare
echo 1 > $P/sleep
wait_for $P/in_sleepy 1
echo apply > $K/ktest/stage 2>/dev/null && fail "apply while busy"
eq "cause (busy)" code_busy "$(cat $K/ktest/abort_cause)"
conf=$(cat $K/ktest/conflicts); echo "conflicts: $conf"
pid=$(ps | awk '/\[ksplice_sleeper\]/ && !/awk/ {print $1}')
has conflicts "$pid ksplice_sleeper ksplice_target_sleepy" "$conf"
eq "tries (busy)" 3 "$(cat $K/ktest/tries)"
eq "stage (busy)" aborted "$(cat $K/ktest/stage)"
eq "value (busy)" 1 "$(cat $P/value)"
eq "code unchanged (busy)" "$orig" "$(cat $P/value_info)"
echo 0 > $P/sleep
wait_for $P/in_sleepy 0
echo apply > $K/ktest/stage || fail "apply after release: $(cat $K/ktest/message)"
eq "value after busy apply" 2 "$(cat $P/value)"

echo "== code_busy on reverse: a task sleeps inside the new code"
U=/sys/module/ksplice_testupdate/parameters
echo 1 > $U/hold
echo 1 > $P/sleep
wait_for $U/waiting 1
echo reverse > $K/ktest/stage 2>/dev/null && fail "reverse while in new code"
eq "cause (busy reverse)" code_busy "$(cat $K/ktest/abort_cause)"
conf=$(cat $K/ktest/conflicts); echo "conflicts: $conf"
has conflicts "$pid ksplice_sleeper ksplice_testupdate" "$conf"
eq "stage (busy reverse)" applied "$(cat $K/ktest/stage)"
eq "value (busy reverse)" 2 "$(cat $P/value)"
echo 0 > $U/hold
wait_for $U/waiting 0
echo 0 > $P/sleep
echo reverse > $K/ktest/stage || fail "reverse"
eq "value" 1 "$(cat $P/value)"

echo "== code_busy found by the conservative stack scan too"
echo 1 > /sys/module/ksplice/parameters/stack_scan_all
echo 1 > $P/sleep
wait_for $P/in_sleepy 1
echo apply > $K/ktest/stage 2>/dev/null && fail "apply while busy (scan)"
eq "cause (busy, scan)" code_busy "$(cat $K/ktest/abort_cause)"
has "conflicts (scan)" "$pid ksplice_sleeper ksplice_target_sleepy" \
	"$(cat $K/ktest/conflicts)"
echo 0 > $P/sleep
wait_for $P/in_sleepy 0
echo apply > $K/ktest/stage || fail "apply (scan): $(cat $K/ktest/message) $(cat $K/ktest/conflicts)"
eq "value (scan)" 2 "$(cat $P/value)"
echo reverse > $K/ktest/stage || fail "reverse (scan): $(cat $K/ktest/conflicts)"
echo 0 > /sys/module/ksplice/parameters/stack_scan_all

echo "== apply / reverse while both vCPUs call the function"
echo 1 > $P/hammer || fail "hammer"
# Wait for the threads to be calling (a condition, not a duration).
i=0; while [ "$(cat $P/hammer_calls)" = 0 ]; do i=$((i + 1)); [ $i -lt 1200 ] || fail "hammer threads never ran"; sleep 0.05; done
c0=$(cat $P/hammer_calls)
i=0
while [ $i -lt 10 ]; do
	echo apply > $K/ktest/stage || fail "apply $i: $(cat $K/ktest/message)"
	a=$(grep apply $K/ktest/pause_ns | cut -d' ' -f2)
	eq "value (hammer $i)" 2 "$(cat $P/value)"
	echo reverse > $K/ktest/stage || fail "reverse $i: $(cat $K/ktest/message)"
	r=$(grep reverse $K/ktest/pause_ns | cut -d' ' -f2)
	echo "hammer round $i: pause apply $a ns, reverse $r ns, tries $(cat $K/ktest/tries)"
	i=$((i + 1))
done
i=0; while [ "$(cat $P/hammer_calls)" -le "$c0" ]; do i=$((i + 1)); [ $i -lt 1200 ] || break; sleep 0.05; done
c1=$(cat $P/hammer_calls)
echo 0 > $P/hammer
echo "hammer calls: $c0 -> $c1"
[ "$c1" -gt "$c0" ] || fail "hammer threads did not run"
eq "hammer errors" 0 "$(cat $P/hammer_errors)"
eq "code restored" "$orig" "$(cat $P/value_info)"
dmesg | grep "update ktest applied:" | tail -3
dmesg | grep "stopped window" | grep -v "(0 unwinds unreliable)" &&
	fail "some ORC unwinds were unreliable"
finish

echo "== stacked updates: ktest2 applied over ktest"
prepare
echo apply > $K/ktest/stage || fail "apply ktest"
echo prepare ktest2 > $K/control || fail "prepare ktest2"
{
	echo "sym ksplice_target 0 $(ksym ksplice_target_base)"
	func_line 0 value_info ksplice_target_value 8
	func_line 1 sleepy_info ksplice_target_sleepy 5
} > /tmp/resolve2 || exit 1
has "ktest2 sees ktest's jump" " 5 e9" "$(grep 'func ksplice_target 0' /tmp/resolve2)"
cat /tmp/resolve2 > $K/ktest2/resolve || fail "resolve ktest2"
insmod /lib/ksplice/ksplice_testupdate2.ko || fail "insmod testupdate2"
echo apply > $K/ktest2/stage || fail "apply ktest2: $(cat $K/ktest2/message)"
eq "value (stacked)" 3 "$(cat $P/value)"
echo reverse > $K/ktest/stage 2>/dev/null && fail "reversed the update below"
eq "cause (reverse below)" no_match "$(cat $K/ktest/abort_cause)"
has "message (reverse below)" "update ktest2 was applied over ksplice_target_value" \
	"$(cat $K/ktest/message)"
eq "stage (reverse below)" applied "$(cat $K/ktest/stage)"
eq "value (reverse below)" 3 "$(cat $P/value)"
echo reverse > $K/ktest2/stage || fail "reverse ktest2: $(cat $K/ktest2/message)"
eq "value (ktest2 reversed)" 2 "$(cat $P/value)"
echo reverse > $K/ktest/stage || fail "reverse ktest: $(cat $K/ktest/message)"
eq "value (both reversed)" 1 "$(cat $P/value)"
eq "code restored (stacked)" "$orig" "$(cat $P/value_info)"
rmmod ksplice_testupdate2 || fail "rmmod testupdate2"
echo drop ktest2 > $K/control || fail "drop ktest2"
finish

echo "== patch_site_overlap: the patch site would cover a jump label site"
echo prepare kkeyed > $K/control || fail "prepare kkeyed"
set -- $(cat $P/keyed_info)
echo "func ksplice_target 0 $1 $2 5 $(echo "$3" | cut -c11-20)" \
	> $K/kkeyed/resolve || fail "resolve kkeyed"
insmod /lib/ksplice/ksplice_testupdate_keyed.ko || fail "insmod keyed"
echo apply > $K/kkeyed/stage 2>/dev/null && fail "applied over a jump label"
eq "cause (jump label)" patch_site_overlap "$(cat $K/kkeyed/abort_cause)"
has "message (jump label)" "a jump label site at $(printf 0x%x $(($1 + 5)))" \
	"$(cat $K/kkeyed/message)"
eq "keyed value" 1 "$(cat $P/keyed)"
eq "keyed code unchanged" "$3" "$(cat $P/keyed_info | cut -d' ' -f3)"
rmmod ksplice_testupdate_keyed || fail "rmmod keyed"
echo drop kkeyed > $K/control || fail "drop kkeyed"

echo "== target_not_loaded: the target goes after the new code came"
prepare
rmmod ksplice_target || fail "rmmod target"
echo apply > $K/ktest/stage 2>/dev/null && fail "apply without target"
eq "cause (target gone)" target_not_loaded "$(cat $K/ktest/abort_cause)"
has message "ksplice_target was unloaded" "$(cat $K/ktest/message)"
finish

echo "== target_not_loaded: the target was reloaded after resolve"
insmod /lib/ksplice/ksplice_target.ko || fail "insmod target"
echo prepare ktest > $K/control || fail "prepare"
resolve
rmmod ksplice_target && insmod /lib/ksplice/ksplice_target.ko || fail "reload"
insmod /lib/ksplice/ksplice_testupdate.ko 2>/dev/null &&
	fail "new code accepted for stale addresses"
eq "cause (reloaded)" target_not_loaded "$(cat $K/ktest/abort_cause)"
echo drop ktest > $K/control || fail "drop"

rmmod ksplice_target || fail "rmmod target"
rmmod ksplice || fail "rmmod ksplice"
echo "ALL OK"
GUEST
out=$("$VM_RUN" --smp 2 --kernel "$ABI" --file "$tmp/guest.sh:/root/guest.sh" -- 'sh /root/guest.sh')
rc=$?
echo "$out"
expect_eq "guest exit" 0 "$rc"
expect_contains "guest output" "ALL OK" "$out"
