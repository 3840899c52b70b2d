# vm-run prints the guest command's output and exits with its status.
. "$(dirname "$0")/../lib/lib.sh"
out=$("$VM_RUN" --kernel "$ABI" -- 'uname -r; false')
rc=$?
expect_eq "exit status of 'uname -r; false'" 1 "$rc"
expect_eq "output" "$ABI" "$out"
out=$("$VM_RUN" --kernel "$ABI" --smp 2 -- 'grep -c ^processor /proc/cpuinfo; exit 7')
rc=$?
expect_eq "exit status of 'exit 7'" 7 "$rc"
expect_eq "vCPUs" 2 "$out"
