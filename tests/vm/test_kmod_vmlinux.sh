# The core module patching core kernel text (target vmlinux) with a
# hand-written update (tests/kmod/ksplice_testupdate_vmlinux):
# cmdline_proc_show is replaced, its new code reaches the non-exported
# saved_command_line through a ksplice relocation.  Also: the kallsyms
# checks refuse a wrong size or a wrong symbol address (failed_to_find),
# ftrace on the replaced core function keeps working.
. "$(dirname "$0")/../lib/lib.sh"
for m in ksplice ksplice_target ksplice_testupdate_vmlinux; do
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
ksym() { # NAME -> 0xADDR of a vmlinux symbol
	a=$(grep -E "^[0-9a-f]+ [a-zA-Z] $1\$" /proc/kallsyms | cut -d' ' -f1)
	[ "$(echo "$a" | wc -w)" = 1 ] || fail "$1: not exactly one in /proc/kallsyms: $a"
	echo "0x$a"
}
insmod /lib/ksplice/ksplice.ko || fail "insmod ksplice"
insmod /lib/ksplice/ksplice_target.ko || fail "insmod target"
fn=$(ksym cmdline_proc_show)
scl=$(ksym saved_command_line)
echo "$fn" > $P/peek || fail "peek"
set -- $(cat $P/peek)
eq "peek address" "$fn" "$1"
size=$2; hex=$3
eq "fentry nop" 0f1f440000 "$(echo "$hex" | cut -c1-10)"
bytes=$(echo "$hex" | cut -c11-20)
orig_cmdline=$(cat /proc/cmdline)
echo "cmdline_proc_show at $fn size $size bytes@5 $bytes"

try_load() { # SYMADDR SIZE [PATCHOFF BYTES] -> loads or not
	echo prepare ktestvm > $K/control || fail "prepare"
	printf 'sym vmlinux 0 %s\nfunc vmlinux 0 %s %s %s %s\n' "$1" "$fn" "$2" \
		"${3:-5}" "${4:-$bytes}" > $K/ktestvm/resolve || fail "resolve"
	insmod /lib/ksplice/ksplice_testupdate_vmlinux.ko 2>/dev/null
}

echo "== patch_site_overlap: a jump at offset 0 would cover ftrace's site"
try_load "$scl" "$size" 0 0f1f440000 || fail "insmod (patchoff 0)"
echo apply > $K/ktestvm/stage 2>/dev/null && fail "applied over the fentry site"
eq cause patch_site_overlap "$(cat $K/ktestvm/abort_cause)"
has message "an ftrace site at $fn overlaps" "$(cat $K/ktestvm/message)"
eq "cmdline (refused)" "$orig_cmdline" "$(cat /proc/cmdline)"
rmmod ksplice_testupdate_vmlinux || fail rmmod
echo drop ktestvm > $K/control || fail drop

echo "== control and resolve refuse malformed input"
bad() { # FILE LINE
	printf '%s\n' "$2" > "$1" 2>/dev/null && fail "accepted by $1: $2"
	return 0
}
bad $K/control "prepare bad/id"
bad $K/control "prepare 0123456789abcdef0123456789abcdef0"
bad $K/control "frobnicate x"
bad $K/control "drop nosuch"
echo prepare parse > $K/control || fail "prepare parse"
bad $K/parse/resolve "bogus line"
bad $K/parse/resolve "func vmlinux 0 $fn $size 5 abc"
bad $K/parse/resolve "func vmlinux 0 $fn $size 5 0f1f44"
bad $K/parse/resolve "func vmlinux 0 $fn $size $((size - 4)) $bytes"
bad $K/parse/resolve "func vmlinux 0 $fn $size 5 $bytes extra"
bad $K/parse/resolve "sym vmlinux x $scl"
echo "sym vmlinux 0 $scl" > $K/parse/resolve || fail "good sym line"
bad $K/parse/resolve "sym vmlinux 0 $scl"
bad $K/parse/stage "frobnicate"
eq "stage (parse)" prepared "$(cat $K/parse/stage)"
echo apply > $K/parse/stage 2>/dev/null && fail "applied without new code"
eq "cause (no new code)" invalid_update "$(cat $K/parse/abort_cause)"
echo drop parse > $K/control || fail "drop parse"

echo "== failed_to_find: wrong function size"
try_load "$scl" $((size + 16)) && fail "loaded with a wrong size"
eq cause failed_to_find "$(cat $K/ktestvm/abort_cause)"
has message "cmdline_proc_show at $fn in vmlinux is" "$(cat $K/ktestvm/message)"
echo drop ktestvm > $K/control || fail drop

echo "== failed_to_find: wrong symbol address"
try_load "$(printf 0x%x $((scl + 8)))" "$size" && fail "loaded with a wrong sym"
eq cause failed_to_find "$(cat $K/ktestvm/abort_cause)"
has message "saved_command_line" "$(cat $K/ktestvm/message)"
echo "message: $(cat $K/ktestvm/message)"
echo drop ktestvm > $K/control || fail drop

echo "== apply / reverse on core kernel text"
try_load "$scl" "$size" || fail "insmod testupdate_vmlinux"
eq targets "vmlinux ksplice_testupdate_vmlinux" "$(cat $K/ktestvm/targets)"
for round in 1 2 3; do
	echo apply > $K/ktestvm/stage || fail "apply: $(cat $K/ktestvm/message)"
	eq "cmdline after apply" "ksplice $orig_cmdline" "$(cat /proc/cmdline)"
	set -- $(cat $P/peek)
	eq "jump at offset 5" e9 "$(echo "$3" | cut -c11-12)"
	eq "ftrace site untouched" 0f1f440000 "$(echo "$3" | cut -c1-10)"
	echo "round $round: $(grep apply $K/ktestvm/pause_ns)"
	if [ $round = 2 ]; then
		mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
		T=/sys/kernel/tracing
		echo cmdline_proc_show > $T/set_ftrace_filter || fail filter
		echo function > $T/current_tracer || fail tracer
		eq "cmdline while traced" "ksplice $orig_cmdline" "$(cat /proc/cmdline)"
		grep -q cmdline_proc_show $T/trace || fail "not traced"
		# reverse while the old function is being traced
		echo reverse > $K/ktestvm/stage || fail "reverse while traced"
		eq "cmdline after reverse (traced)" "$orig_cmdline" "$(cat /proc/cmdline)"
		echo nop > $T/current_tracer
		echo > $T/set_ftrace_filter
		continue
	fi
	echo reverse > $K/ktestvm/stage || fail "reverse: $(cat $K/ktestvm/message)"
	eq "cmdline after reverse" "$orig_cmdline" "$(cat /proc/cmdline)"
	echo "round $round: $(grep reverse $K/ktestvm/pause_ns)"
done
set -- $(cat $P/peek)
eq "code restored" "$hex" "$3"
dmesg | grep "update ktestvm.*stopped window"
dmesg | grep "stopped window" | grep -v "(0 unwinds unreliable)" &&
	fail "some ORC unwinds were unreliable"
rmmod ksplice_testupdate_vmlinux || fail rmmod
echo drop ktestvm > $K/control || fail drop
# unloading the core module removes updates left prepared
echo prepare leftover > $K/control || fail "prepare leftover"
echo "sym vmlinux 0 $scl" > $K/leftover/resolve || fail "resolve leftover"
rmmod ksplice_target && rmmod ksplice || fail "rmmod"
[ ! -e $K ] || fail "$K still there after rmmod"
echo "ALL OK"
GUEST
out=$("$VM_RUN" --smp 2 --kernel "$ABI" --file "$tmp/guest.sh:/root/guest.sh" -- 'sh /root/guest.sh')
rc=$?
echo "$out"
expect_eq "guest exit" 0 "$rc"
expect_contains "guest output" "ALL OK" "$out"
