# ksplice-create takes a patch named relative to the directory it is run
# in (it applies patches from inside its build tree).
. "$(dirname "$0")/../lib/lib.sh"
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
cp "$ROOT/tests/patches/proc-version.patch" "$W/fix.patch"
mkdir -p "$W/out"; cd "$W" || fail "cd"
"$ROOT/build/bin/ksplice-create" -q --patch=fix.patch --id=relpatch --kernel="$ABI" \
	--output-dir=out "$KSPLICE_CACHE/kernels/6.1.192-1/src" || fail "relative --patch refused"
[ -f out/ksplice-relpatch.tar.gz ] || fail "no package in the relative --output-dir"
echo "relative --patch and --output-dir work"
