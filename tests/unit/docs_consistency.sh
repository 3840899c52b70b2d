# Every user-facing command has --help (exit 0), a man page under docs/,
# and the man page names every long option the --help text names.
. "$(dirname "$0")/../lib.sh"
n=0
for b in "$ROOT"/build/bin/*; do
	[ -x "$b" ] || continue
	name=$(basename "$b")
	help=$("$b" --help 2>&1) || fail "$name --help exits non-zero"
	[ -n "$help" ] || fail "$name --help prints nothing"
	page=$ROOT/docs/$name.1.md
	[ -f "$page" ] || fail "$name has no man page ($page)"
	# An alias page defers to the page it names.
	alias=$(sed -n 's/^[a-z-]* - alias of \([a-z-]*\)(1)$/\1/p' "$page")
	[ -n "$alias" ] && page=$ROOT/docs/$alias.1.md
	for opt in $(grep -o -- '--[a-z][a-z-]*' <<<"$help" | sort -u); do
		grep -q -- "$opt" "$page" || fail "$name: $opt is in --help but not in $page"
	done
	n=$((n + 1))
done
[ $n -gt 0 ] || fail "no tools built"
echo "$n commands: --help and man pages agree"
