#!/bin/bash
# Only root may apply or remove:
#  - every file under /sys/kernel/ksplice/ and the module's parameters
#    have the narrowest modes (docs/sysfs-abi.md): control and resolve
#    0200, stage 0600, the rest 0400, parameters 0600;
#  - a non-root user cannot read addresses from them nor write them;
#  - a non-root ksplice-apply / ksplice-remove is refused with a clear
#    sentence that says root is needed, and changes nothing.
. "$(dirname "$0")/../lib/lib.sh"
ktest_setup fault-nonroot
cat > "$W/guest.sh" <<'GUEST'
. /root/fault-guest-lib
echo 'nobody:x:65534:65534:nobody:/tmp:/bin/sh' >> /etc/passwd
echo 'nogroup:x:65534:' >> /etc/group
asuser() { su nobody -s /bin/sh -c "$*"; }
[ "$(asuser id -u)" = 65534 ] || fail "cannot run as nobody"
insmod /lib/ksplice/ksplice_target.ko || fail "insmod target"
record_orig
cp /root/ktest.tar.gz /tmp/ktest.tar.gz; chmod 644 /tmp/ktest.tar.gz
ksplice-apply /root/ktest.tar.gz > /dev/null || fail "apply as root"
modes=$(cd $K && stat -c '%a %n' control ktest/* | sort -k2)
echo "$modes"
want='200 control
400 ktest/abort_cause
400 ktest/conflicts
400 ktest/description
400 ktest/functions
400 ktest/message
400 ktest/pause_ns
200 ktest/resolve
600 ktest/stage
400 ktest/targets
400 ktest/tries'
[ "$modes" = "$want" ] || fail "sysfs modes differ from docs/sysfs-abi.md"
for f in /sys/module/ksplice/parameters/*; do
	[ "$(stat -c %a $f)" = 600 ] || fail "$f has mode $(stat -c %a $f)"
done
asuser "cat $K/ktest/functions" 2>/dev/null && fail "nobody read the functions file"
asuser "echo reverse > $K/ktest/stage" 2>/dev/null && fail "nobody wrote stage"
asuser "echo drop ktest > $K/control" 2>/dev/null && fail "nobody wrote control"
echo "== ksplice-remove as nobody"
asuser "ksplice-remove ktest" > /tmp/o 2>&1; rc=$?
cat /tmp/o
[ $rc = 4 ] || fail "nobody's remove: exit $rc, expected 4 (not root)"
grep -qi "root" /tmp/o || fail "the refusal does not say root is needed"
[ "$(cat $P/value)" = 2 ] || fail "update gone after nobody's remove"
ksplice-remove ktest > /dev/null || fail "remove as root"
unchanged "after remove"
echo "== ksplice-apply as nobody"
asuser "ksplice-apply /tmp/ktest.tar.gz" > /tmp/o 2>&1; rc=$?
cat /tmp/o
[ $rc = 4 ] || fail "nobody's apply: exit $rc, expected 4 (not root)"
asuser "ksplice-apply --json /tmp/ktest.tar.gz" > /tmp/o 2>/dev/null; rc=$?
cat /tmp/o
[ $rc = 4 ] || fail "nobody's apply --json: exit $rc"
grep -q '"cause": "not_root", "exit_status": 4' /tmp/o || fail "--json does not say not_root"
grep -qi "root" /tmp/o || fail "the refusal does not say root is needed"
unchanged "after nobody's apply"
echo "== ksplice-view as nobody"
asuser "ksplice-view" > /tmp/o 2>&1; rc=$?
cat /tmp/o
[ $rc = 4 ] || fail "nobody's ksplice-view: exit $rc, expected 4 (not root)"
grep -qi "root" /tmp/o || fail "ksplice-view's refusal does not say root is needed"
asuser "ksplice-view --file=/tmp/ktest.tar.gz" > /tmp/o 2>&1 || { cat /tmp/o; fail "nobody's ksplice-view --file"; }
echo ALL-OK
GUEST
ktest_guest
