# scripts/corpus/create.sh: stage 3 of the corpus (sourced by run).
# create_all: one update per selected file, made by ksplice-create against
# the old tree and cached by the hash of its inputs (create/KEY/); SEL.keys
# gets one line PATH<TAB>KIND<TAB>KEY a file, KEY the result that counts.

# changed_headers: CHANGED_H, the headers the two trees differ in (a fix
# that changed a header as well as the file is measured with that
# header's change, see create_one)
changed_headers() {
	CHANGED_H=$WORK/changed-h.txt
	[ -f "$CHANGED_H" ] && return 0
	# (diff exits 1 when the trees differ)
	{ (cd "$CACHE/kernels" && LC_ALL=C diff -rq "$OLD/src" "$NEW/src" 2>/dev/null) || :; } |
		awk -v o="$OLD/src/" '/^Files / { f = $2; sub("^" o, "", f); if (f ~ /\.h$/) print f }' |
		LC_ALL=C sort > "$CHANGED_H.tmp" && mv "$CHANGED_H.tmp" "$CHANGED_H"
}
# A header of one subsystem (fs/ocfs2/ocfs2.h), not include/ or arch's.
is_local_h() { case $1 in include/*|arch/*/include/*) return 1 ;; esac; return 0; }

# create_run PATH PATCH NOTE [STACKED]: leaves $WORK/create/KEY/{result,out,
# note,ksplice-ID.tar.gz} and prints KEY.  STACKED: the patch of an update
# this one goes on top of (ksplice-create --stacked-on; scripts/publish-release
# stacks a fix on another that changes the same file), part of the KEY.
# result: one line CLASS<TAB>REASON (the functions and targets are read
# from out when needed: funcs_of, targets_of; results of earlier versions
# of this script have them as two more fields, which are ignored)
create_run() {
	local f=$1 patch=$2 note=$3 stacked=${4:-} key dir id rc out reason class
	key=$( { printf '%s\n%s\n%s\n' "$ABI" "$CREATE_HASH" "$f"; printf '%s\n' "$patch"
		 [ -z "$stacked" ] || { echo stacked-on; cat "$stacked"; }; } | sha)
	dir=$WORK/create/$key
	echo "$key"
	[ -f "$dir/result" ] && return
	rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
	printf '%s\n' "$patch" > "$dir.tmp/patch"
	[ -n "$note" ] && printf '%s\n' "$note" > "$dir.tmp/note"
	[ -z "$stacked" ] || cp "$stacked" "$dir.tmp/stacked-on.patch"
	id=$(upd_id "$f")
	nice -n 10 "$BIN/ksplice-create" --patch="$dir.tmp/patch" --id="$id" \
		${stacked:+--stacked-on="$dir.tmp/stacked-on.patch"} \
		--description="$f $OLD -> $NEW" --kernel="$ABI" -j "$JOBS" \
		--output-dir="$dir.tmp" "$OSRC" > "$dir.tmp/out" 2> "$dir.tmp/err" < /dev/null
	rc=$?
	# the one-line reason: the compiler's first error, else the tool's own line
	reason=$(grep -m1 -o '[^ ]*:[0-9]*:[0-9]*: error: .*' "$dir.tmp/err" | sed 's/^[^ ]*:[0-9]*:[0-9]*: error: //')
	[ -n "$reason" ] && reason="build: $reason"
	[ -n "$reason" ] || reason=$(grep -m1 '^ksplice-create: ' "$dir.tmp/err" | sed 's/^ksplice-create: //')
	[ -n "$reason" ] || reason=$(grep -v '^\s*$' "$dir.tmp/err" | tail -1)
	reason=$(printf '%s' "$reason" | tr '\t' ' ' | cut -c1-240)
	case $rc in
	0) class=created; reason="" ;;
	3) class="no change"; reason=${reason:-"the patch changes no code"} ;;
	7) class="create failed"; reason="refused: $reason" ;;
	# a changed function cannot take the jump: counted under its abort
	# cause, whether ksplice-create (exit 8) or ksplice-apply (23) says so
	8) class="patch site overlap" ;;
	130) rm -rf "$dir.tmp"; exit 130 ;;
	1) class="create failed" ;;
	*) class="create failed"; reason="exit $rc: $reason" ;;
	esac
	printf '%s\t%s\n' "$class" "$reason" > "$dir.tmp/result"
	rm -rf "$dir" && mv "$dir.tmp" "$dir"
}

# changed_deps PATH: the changed headers the pre object of PATH was built
# from (its .cmd file in ksplice-create's private tree; none if not built)
changed_deps() {
	local cmd=$CTREE/.ksplice-pre/${1%.c}.o.cmd
	[ -f "$cmd" ] || return 0
	grep -o '[A-Za-z0-9_./+-]*\.h' "$cmd" | sed 's|^\./||' | LC_ALL=C sort -u |
		LC_ALL=C comm -12 - "$CHANGED_H"
}

# quoted_ids ERR...: the identifiers the compiler's messages in the files
# ERR quote, keywords left out, at most 40
quoted_ids() {
	cat "$@" 2>/dev/null | grep -o "‘[^’]*’" | tr -d '‘’' |
		grep -o '[A-Za-z_][A-Za-z0-9_]\{3,\}' |
		grep -vx 'struct\|union\|enum\|const\|static\|void\|char\|short\|long\|unsigned\|signed\|_Bool\|bool\|sizeof\|inline' |
		LC_ALL=C sort -u | head -40
}

# create_one PATH: the per-file update; prints the KEY of the result that
# counts.  When the file's own patch does not build, the same fix most
# likely changed a header too.  The changed headers of the file's own
# subsystem that the object was built from are added to the patch and it
# is tried again (ksplice-create rebuilds every object of the directory
# that includes them).  A header used across the kernel (include/,
# arch/*/include/) would need a whole-tree build to know who includes it
# (--prebuild): when the change of such a header names an identifier the
# compiler's messages quote, the file is reported with that header named.
create_one() {
	local f=$1 patch key key2 ids hdrs h local_h="" global_h="" more
	local keyfix="" local_defs="" deps g dfiles defs
	patch=$("$ROOT/scripts/version-patch" "$OLD" "$NEW" "$f") || { echo "other"; return; }
	key=$(create_run "$f" "$patch" "") || return
	if ! grep -q $'^create failed\tbuild' "$WORK/create/$key/result" ||
	   [ ! -f "$CTREE/.ksplice-pre/${f%.c}.o.cmd" ]; then
		echo "$key"; return
	fi
	hdrs=$(changed_deps "$f")
	for h in $hdrs; do is_local_h "$h" && local_h="$local_h $h"; done
	if [ -n "$local_h" ]; then
		more=$(for h in $local_h; do "$ROOT/scripts/version-patch" "$OLD" "$NEW" "$h"; done)
		# functions the headers' change declares anew are defined by
		# the same fix somewhere: its other changed files of the
		# subsystem that add a definition of one come along
		defs=$(printf '%s\n' "$more" | "$ROOT/scripts/fix-definers" "$OLD" "$NEW" "$f" "$WORK/compiled.txt")
		[ -n "$defs" ] && more=$more$'\n'$("$ROOT/scripts/version-patch" "$OLD" "$NEW" $defs)
		key2=$(create_run "$f" "$patch"$'\n'"$more" "per-fix patch: with the change to${local_h}${defs:+ $defs}") || return
		grep -q $'^create failed\tbuild' "$WORK/create/$key2/result" || { echo "$key2"; return; }
		keyfix=$key2 local_defs=$defs
	fi
	# the fix may span the directory's other files (a function's new
	# signature in its header, its callers): the whole directory's change,
	# compiled files and headers, when it is small enough to be one fix
	dfiles=$(awk -F'\t' -v d="${f%/*}" '($2 == "builtin" || $2 == "module") {
			p = $1; sub(/\/[^\/]*$/, "", p); if (p == d) print $1 }' "$WORK/files.tsv"
		grep "^${f%/*}/[^/]*\.h$" "$CHANGED_H")
	dfiles=$(printf '%s\n' $dfiles $local_h | LC_ALL=C sort -u)
	if [ "$(printf '%s\n' $dfiles | wc -l)" -gt 1 ] && [ "$(printf '%s\n' $dfiles | wc -l)" -le 12 ]; then
		more=$("$ROOT/scripts/version-patch" "$OLD" "$NEW" $dfiles)
		key2=$(create_run "$f" "$more" "per-directory patch: the change to $(printf '%s ' $dfiles)") || return
		grep -q $'^create failed\tbuild' "$WORK/create/$key2/result" || { echo "$key2"; return; }
	fi
	# identifiers the compiler's messages quote (‘struct hid_device’ ->
	# hid_device), found in a header's diff (its context lines included:
	# a changed declaration may span lines): the file's own, and those of
	# the per-fix patch, whose files (the definers) include other headers
	# (net/openvswitch/conntrack.c needs nf_ct_shared() from
	# include/net/netfilter/nf_conntrack.h)
	ids=$(quoted_ids "$WORK/create/$key/err" ${keyfix:+"$WORK/create/$keyfix/err"})
	deps=$hdrs
	for g in $local_defs; do deps="$deps $(changed_deps "$g")"; done
	rm -f "$WORK/create/$key/note"
	if [ -n "$ids" ]; then
		for h in $(printf '%s\n' $deps | LC_ALL=C sort -u); do
			is_local_h "$h" && continue
			"$ROOT/scripts/version-patch" "$OLD" "$NEW" "$h" 2>/dev/null |
				grep -qw -F "$ids" && global_h="$global_h $h"
		done
	fi
	# a global header's change that only declares new names (a helper the
	# fix calls) needs no whole-tree build: ksplice-create takes it with
	# the files that define what it declares, wherever they are
	local why=""
	if [ -n "$global_h" ]; then
		more=$(for h in $global_h $local_h; do "$ROOT/scripts/version-patch" "$OLD" "$NEW" "$h"; done)
		defs=$(printf '%s\n' "$more" | "$ROOT/scripts/fix-definers" --anywhere "$OLD" "$NEW" "$f" "$WORK/compiled.txt")
		defs=$(printf '%s\n' $local_defs $defs | LC_ALL=C sort -u | tr '\n' ' ' | sed 's/ $//')
		[ -n "$defs" ] && more=$more$'\n'$("$ROOT/scripts/version-patch" "$OLD" "$NEW" $defs)
		key2=$(create_run "$f" "$patch"$'\n'"$more" "per-fix patch: with the change to${global_h}${local_h}${defs:+ $defs}") || return
		why=$(grep -ho 'not only by declaring new names (.*); run ksplice-create once with --prebuild' "$WORK/create/$key2/err" | head -1 |
			sed 's/^not only by declaring new names (//; s/); run ksplice-create once with --prebuild$//')
		[ -n "$why" ] || { echo "$key2"; return; }
	fi
	[ -n "$global_h" ] && printf 'the same fix changed %s%s\n' "${global_h# }" "${why:+ (not only new names: $why)}" > "$WORK/create/$key/note"
	echo "$key"
}

create_all() {
	local n=0 start key f c d
	changed_headers
	# ksplice-create's private copy of the old tree (kbuild_driver.c names it
	# by the SHA-256 of the source's real path): its pre objects' .cmd files
	# list the headers each object was built from.
	CTREE=$CACHE/create/tree-$(printf '%s' "$(realpath "$OSRC")" | sha | cut -c1-16)
	: > "$SEL.keys"
	while IFS=$'\t' read -r f c d; do
		n=$((n + 1))
		start=$(date +%s)
		key=$(create_one "$f") || exit $?
		printf '%s\t%s\t%s\n' "$f" "$c" "$key" >> "$SEL.keys"
		log "[$n/$NSEL] $f: $(cut -f1,2 "$WORK/create/$key/result" | tr '\t' ' ' | cut -c1-150) ($(( $(date +%s) - start ))s)"
	done < "$SEL"
}
