# The ext4 bug that Debian fixed in 6.1.192-2 is real and our workload
# finds it: on the stock 6.1.192-1 kernel the checking workload with page
# cache drops oopses in ext4_mb_load_buddy_gfp(); on the stock 6.1.192-2
# kernel the same workload runs clean.  This is what makes the live-update
# tests' "no oops with the fix applied" a meaningful assertion.
. "$(dirname "$0")/../lib/lib.sh"
# workload SECONDS: the guest script.  The oops is a race the workload
# provokes, not a certainty at a given second: the unpatched kernel gets up
# to 240 s (the guest panics at the first oops, so it ends as soon as the
# bug fires), the patched one a fixed 15 s in which the unpatched kernel
# always oopsed here.
workload() {
	echo "mkdir -p /mnt/s && mount -t ext4 /dev/vdb /mnt/s || exit 1
	export DROP_CACHES=1
	fs-workload /mnt/s /tmp/stop 1 & a=\$!
	fs-workload /mnt/s /tmp/stop 2 & b=\$!
	sleep $1; touch /tmp/stop; wait \$a || exit 3; wait \$b || exit 3
	echo workload-clean"
}
err=$("$VM_RUN" --kernel 6.1.0-55-amd64 --disk 256M --timeout 420 \
	--file "$ROOT/tests/guest/fs-workload:/usr/bin/fs-workload" -- "$(workload 240)" 2>&1 >/dev/null)
rc=$?
expect_eq "6.1.192-1 under the workload (exit)" 125 "$rc"
log=$(sed -n 's/.*console log kept in //p' <<<"$err")
expect_contains "6.1.192-1 oops site" "RIP: 0010:ext4_mb_load_buddy_gfp" "$(cat "$log")"
echo "  stock 6.1.192-1: $(grep -m1 -o 'BUG: kernel NULL pointer dereference.*' "$log")"
echo "                   $(grep -m1 -o 'RIP: 0010:ext4_mb_load_buddy_gfp.*' "$log")"
rm -f "$log"
out=$("$VM_RUN" --kernel 6.1.0-56-amd64 --disk 256M --timeout 300 \
	--file "$ROOT/tests/guest/fs-workload:/usr/bin/fs-workload" -- "$(workload 15)")
rc=$?
expect_eq "6.1.192-2 under the workload (exit)" 0 "$rc"
expect_contains "6.1.192-2 workload" workload-clean "$out"
echo "  stock 6.1.192-2: 15 s of the same workload, no oops, no data errors"
