# --disk attaches a scratch ext4 disk made on the host; the stock ext4
# module from the kernel's own tree mounts it.
. "$(dirname "$0")/../lib/lib.sh"
out=$("$VM_RUN" --kernel "$ABI" --disk 64M -- '
	mkdir -p /mnt/s && mount -t ext4 /dev/vdb /mnt/s || exit 10
	dd if=/dev/urandom of=/mnt/s/f bs=1k count=512 2>/dev/null
	a=$(md5sum < /mnt/s/f); umount /mnt/s; mount -t ext4 /dev/vdb /mnt/s
	b=$(md5sum < /mnt/s/f); [ "$a" = "$b" ] && echo same
	grep -c "^ext4 " /proc/modules
	ls /lib/modules/$(uname -r)/kernel/fs/ext4/')
rc=$?
expect_eq "guest exit" 0 "$rc"
expect_eq "disk round trip + ext4 loaded + module tree" "same
1
ext4.ko" "$out"
