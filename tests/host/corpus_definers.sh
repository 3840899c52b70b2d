#!/bin/bash
# scripts/fix-definers on a real fix: between Debian 6.1.187-1 and
# 6.1.190-1 the fix to fs/ocfs2/cluster/nodemanager.c also declared
# o2net_complete_start_listening() and friends in the cluster headers and
# defined them in heartbeat.c and tcp.c; those two (and no other changed
# file of fs/ocfs2) must come with it, and a header change that declares
# nothing new brings nothing.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${KSPLICE_CACHE:-/var/cache/ksplice}
for v in 6.1.187-1 6.1.190-1; do
	[ -d "$CACHE/kernels/$v/src" ] || { echo "skip: source $v is not provisioned (make provision)"; exit 77; }
done
fail() { echo "FAIL: $*"; exit 1; }
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
VP="$ROOT/scripts/version-patch 6.1.187-1 6.1.190-1"
# the changed .c files of fs/ocfs2 (as scripts/corpus/classify.sh lists
# the compiled ones)
(cd "$CACHE/kernels" && diff -rq 6.1.187-1/src/fs/ocfs2 6.1.190-1/src/fs/ocfs2) |
	awk '/^Files / { f = $2; sub("^6.1.187-1/src/", "", f); if (f ~ /\.c$/) print f }' > "$W/cand"
[ "$(wc -l < "$W/cand")" -gt 3 ] || fail "expected several changed files in fs/ocfs2"
got=$(for h in heartbeat.h nodemanager.h tcp.h; do $VP fs/ocfs2/cluster/$h; done |
	"$ROOT/scripts/fix-definers" 6.1.187-1 6.1.190-1 fs/ocfs2/cluster/nodemanager.c "$W/cand")
[ "$got" = "fs/ocfs2/cluster/heartbeat.c fs/ocfs2/cluster/tcp.c" ] ||
	fail "nodemanager.c: got '$got'"
got=$(printf '%s\n' '--- a/x.h' '+++ b/x.h' '@@ -1 +1,2 @@' ' int a;' '+/* comment (only) */' |
	"$ROOT/scripts/fix-definers" 6.1.187-1 6.1.190-1 fs/ocfs2/namei.c "$W/cand")
[ -z "$got" ] || fail "a header diff that declares nothing brought '$got'"
# a header used across the kernel: dev_warn_probe() declared in
# include/linux/dev_printk.h for drivers/net/ethernet/broadcom/tg3.c is
# defined in drivers/base/core.c, outside tg3.c's subsystem: found only
# --anywhere (the candidates here: those two files and a third)
printf '%s\n' drivers/base/core.c drivers/net/ethernet/broadcom/tg3.c fs/ocfs2/namei.c > "$W/cand2"
got=$($VP include/linux/dev_printk.h |
	"$ROOT/scripts/fix-definers" 6.1.187-1 6.1.190-1 drivers/net/ethernet/broadcom/tg3.c "$W/cand2")
[ -z "$got" ] || fail "tg3.c, own subsystem only: got '$got'"
got=$($VP include/linux/dev_printk.h |
	"$ROOT/scripts/fix-definers" --anywhere 6.1.187-1 6.1.190-1 drivers/net/ethernet/broadcom/tg3.c "$W/cand2")
[ "$got" = "drivers/base/core.c" ] || fail "tg3.c --anywhere: got '$got'"
# a definition with its type on the line above (kernel style):
# typec_partner_usb_power_delivery_register() in drivers/usb/typec/class.c
printf '%s\n' drivers/usb/typec/class.c drivers/usb/typec/mux.c > "$W/cand3"
got=$($VP include/linux/usb/typec.h |
	"$ROOT/scripts/fix-definers" --anywhere 6.1.187-1 6.1.190-1 drivers/platform/chrome/cros_ec_typec.c "$W/cand3")
[ "$got" = "drivers/usb/typec/class.c" ] || fail "cros_ec_typec.c: got '$got'"
echo "PASS: nodemanager.c brings heartbeat.c and tcp.c; a comment brings nothing; definers found --anywhere (dev_warn_probe) and with the type on the line above (typec)"
