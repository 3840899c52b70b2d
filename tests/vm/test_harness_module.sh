# A module built against the stock headers loads in the stock kernel,
# exposes a value, unloads; --file carries host files into the guest.
. "$(dirname "$0")/../lib/lib.sh"
ko=$ROOT/build/kmod/$ABI/ksplice_selftest.ko
[ -f "$ko" ] || fail "$ko not built (make kmod)"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "carried over" > "$tmp/note"
out=$("$VM_RUN" --kernel "$ABI" --file "$tmp/note:/root/in/note" -- '
	cat /root/in/note
	insmod /lib/ksplice/ksplice_selftest.ko || exit 10
	cat /sys/module/ksplice_selftest/parameters/answer
	grep -c "^ksplice_selftest " /proc/modules
	rmmod ksplice_selftest || exit 11
	grep -c "^ksplice_selftest " /proc/modules
	exit 0')
rc=$?
expect_eq "guest exit" 0 "$rc"
expect_eq "guest output" "carried over
42
1
0" "$out"
