#!/bin/bash
# A reference to a local symbol whose name many files share, at an address
# another symbol shares.  The Debian fix to io_uring/io-wq.c (6.1.187-1 ->
# 6.1.190-1) changes io_wq_create(), whose raw_spin_lock_init() refers to
# a static `struct lock_class_key __key.0`.  Without lockdep that struct is
# empty, so __key.0 has the address of the next symbol (io_wq_online), and
# every other file's __key.0 makes a lookup by name find another one.  The
# core module's check must still take it (resolve.c: ksplice_symbol_at):
# before, ksplice-apply ended failed_to_find "... is io_wq_online+0x0 in
# vmlinux, not __key.0".  Applied, smoke-tested and removed in the guest by
# scripts/corpus/run.
. "$(dirname "$0")/../lib/lib.sh"
K=6.1.0-53-amd64
for v in 6.1.187-1 6.1.190-1; do
	[ -d "$KSPLICE_CACHE/kernels/$v/src" ] || skip "source $v not provisioned (make provision)"
done
[ -f "$ROOT/build/kmod/$K/ksplice.ko" ] || fail "core module not built for $K (make kmod)"
W=$(mktemp -d "${TMPDIR:-/tmp}/shared-local.XXXXXX"); trap 'rm -rf "$W"' EXIT
echo io_uring/io-wq.c > "$W/files"
"$ROOT/scripts/corpus/run" --files "$W/files" --results "$W/r.tsv" --report "$W/r.md" \
	--summary "$W/s.txt" > "$W/out" 2> "$W/err" || { tail -5 "$W/err"; fail "scripts/corpus/run failed"; }
row=$(cat "$W/r.tsv")
echo "$row" | cut -f1,4,5,6 | cut -c1-300
expect_eq "io_uring/io-wq.c result" applied "$(cut -f4 <<< "$row")"
expect_contains "changed functions" "io_wq_create" "$(cut -f6 <<< "$row")"
echo "PASS: io_wq_create replaced and removed; __key.0 taken at io_wq_online's address"
