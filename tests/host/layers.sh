#!/bin/bash
# The library's layers (src/lib/README.md), checked on the include lines:
# every quoted include names its layer ("match/matcher.h"), each layer
# includes only itself and the layers below it, and no files include each
# other in a circle.
. "$(dirname "$0")/../lib/lib.sh"
cd "$ROOT/src/lib"

# LAYER: the layers it may include (itself included).
declare -A MAY=(
	[util]="util"
	[package]="package util"
	[code]="code util"
	[diff]="diff code package util"
	[newcode]="newcode diff code package util"
	[create]="create newcode diff code package util"
	[match]="match code package util"
	[apply]="apply match code package util"
	[uptrack]="uptrack util apply/abort_causes.h"
)
bad=0 edges=0
for f in */*.[ch]; do
	layer=${f%%/*}
	[ -n "${MAY[$layer]:-}" ] || { echo "$f: $layer is not a layer of src/lib/README.md"; bad=$((bad + 1)); continue; }
	while read -r inc; do
		edges=$((edges + 1))
		case $inc in
		*/*) ;;
		*) echo "$f: #include \"$inc\" does not name its layer"; bad=$((bad + 1)); continue ;;
		esac
		[ -f "$inc" ] || { echo "$f: #include \"$inc\": no such file"; bad=$((bad + 1)); continue; }
		ok=0
		for m in ${MAY[$layer]}; do
			case $inc in "$m"/*|"$m") ok=1 ;; esac
		done
		[ $ok = 1 ] || { echo "$f ($layer) includes $inc: $layer may include only ${MAY[$layer]}"; bad=$((bad + 1)); }
	done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
done
# Circles: a .c and its .h are one unit; a header without a .c (an
# internal header such as match/match_internal.h) stands for what it
# includes.  tsort reports a cycle.
includes_of() { sed -n 's/^#include "\([^"]*\)".*/\1/p' "$1"; }
units_of() { # HEADER: the units an include of HEADER brings in
	local v=${1%.h} i
	if [ -f "$v.c" ]; then echo "$v"; return; fi
	for i in $(includes_of "$1"); do units_of "$i"; done
}
pairs=$(for f in */*.[ch]; do
	u=${f%.[ch]}
	[ -f "$u.c" ] || continue
	for inc in $(includes_of "$f"); do
		[ -f "$inc" ] || continue
		for v in $(units_of "$inc"); do
			[ "$u" != "$v" ] && echo "$v $u"
		done
	done
done)
if ! cyc=$(tsort <<<"$pairs" 2>&1 >/dev/null) || [ -n "$cyc" ]; then
	echo "include circle: $cyc"; bad=$((bad + 1))
fi
# The tools include the library by layer too.
for f in ../cmd/*.c ../../gui/*.c; do
	[ -f "$f" ] || continue
	grep -n '^#include "[a-z_0-9]*\.h"' "$f" | grep -v '"ksplice/' &&
		{ echo "$f: an include without its layer"; bad=$((bad + 1)); }
done
echo "checked $edges include lines in $(ls */*.[ch] | wc -l) files"
[ $edges -gt 50 ] || fail "too few include lines found: is src/lib laid out by layer?"
[ $bad = 0 ] || fail "$bad violations of the layer rules (src/lib/README.md)"
echo PASS
