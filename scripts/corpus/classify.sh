# scripts/corpus/classify.sh: stages 1 and 2 of the corpus (sourced by
# run).  classify_files: the changed .c files and how the stock config
# builds them; select_files: every compiled file, or a seeded sample, or
# the files of --files.

# files.tsv: PATH CLASS DETAIL, CLASS one of builtin, module (DETAIL: the
# directory's objects say obj-m), disabled (Kbuild of its directory does
# not build it), other-arch (arch/ other than x86), not-kernel (tools/,
# scripts/, samples/, Documentation/, usr/), new (only in the new tree),
# deleted (only in the old tree).
PRINT_MK=$HERE/kbuild.mk
# Kbuild is asked in a shadow of the old tree that holds only its Makefiles,
# scripts and configuration, so that nothing make does can write into the
# provisioned source.
make_shadow() {
	[ -f "$SHADOW/.done" ] && return 0
	rm -rf "$SHADOW.tmp" && mkdir -p "$SHADOW.tmp" || return 1
	rsync -a --include='*/' --include='Makefile*' --include='Kbuild*' \
		--include='*.mk' --include='*.include' --exclude='*' "$OSRC/" "$SHADOW.tmp/" &&
	rsync -a "$OSRC/scripts" "$OSRC/.config" "$SHADOW.tmp/" &&
	mkdir -p "$SHADOW.tmp/include" &&
	rsync -a "$OSRC/include/config" "$SHADOW.tmp/include/" &&
	touch "$SHADOW.tmp/.done" && rm -rf "$SHADOW" && mv "$SHADOW.tmp" "$SHADOW"
}
kbuild_dir() { # DIR: Kbuild's lists for one directory of the old tree
	(cd "$SHADOW" && make -s -f scripts/Makefile.build -f "$PRINT_MK" \
		obj="$1" srctree=. objtree=. SRCARCH=x86 ARCH=x86 CC=gcc \
		need-builtin=1 need-modorder=1 \
		ARCH_LIB="lib/ arch/x86/lib/" \
		ARCH_DRIVERS="arch/x86/pci/ arch/x86/power/ arch/x86/video/" \
		corpus-print 2>/dev/null < /dev/null | grep '^[YMLS] ')
}
# The top level (./Kbuild) descends into these, with the stock config.
TOP_DIRS="init usr arch arch/x86 kernel certs mm fs ipc security crypto block io_uring lib drivers sound net virt arch/x86/lib arch/x86/pci arch/x86/power arch/x86/video"
classify() {
	local out=$WORK/files.tsv tmp=$WORK/files.tsv.tmp d
	SHADOW=$WORK/kbuild-shadow
	log "listing the .c files changed between $OLD and $NEW"
	(cd "$CACHE/kernels" && LC_ALL=C diff -rq "$OLD/src" "$NEW/src" 2>/dev/null) |
		awk -v o="$OLD/src/" -v n="$NEW/src/" '
		/^Files / { f = $2; sub("^" o, "", f); if (f ~ /\.c$/) print f "\tchanged"; next }
		/^Only in / { d = $3; sub(/:$/, "", d); f = d "/" $4
			if (index(f, o) == 1) { sub("^" o, "", f); k = "deleted" } else { sub("^" n, "", f); k = "new" }
			if (f ~ /\.c$/) print f "\t" k }' | LC_ALL=C sort > "$WORK/changed.tsv"
	# Kbuild's view of every directory on the way to each changed file
	awk -F'\t' '$2 == "changed" { p = $1; while (sub(/\/[^\/]*$/, "", p)) print p; print "." }' \
		"$WORK/changed.tsv" | LC_ALL=C sort -u > "$WORK/dirs.txt"
	make_shadow || die "cannot make the Kbuild shadow tree $SHADOW"
	: > "$WORK/kbuild.txt"
	for d in $TOP_DIRS; do echo ". S $d"; done >> "$WORK/kbuild.txt"
	while read -r d; do
		case $d in .|arch) continue ;; arch/*) case $d in arch/x86|arch/x86/*) ;; *) continue ;; esac ;; esac
		kbuild_dir "$d" | sed "s|^|$d |" >> "$WORK/kbuild.txt"
	done < "$WORK/dirs.txt"
	awk -F'\t' -v kb="$WORK/kbuild.txt" '
	BEGIN { while ((getline l < kb) > 0) {
			split(l, w, " "); d = w[1]; k = w[2]
			for (i = 3; i in w; i++) {
				x = w[i]; sub(/^\.\//, "", x)
				if (k == "S") sub_of[x] = 1
				else if (k == "Y" || k == "L") { sub(/\/built-in\.a$/, "", x); if (x ~ /\.o$/) y[x] = d; else sub_of[x] = 1 }
				else if (k == "M") { if (x ~ /\/modules\.order$/) { sub(/\/modules\.order$/, "", x); sub_of[x] = 1 } else m[x] = d }
			}
		}
		}
	function reached(p,   q) { # every directory above p is descended into
		q = p
		while (sub(/\/[^\/]*$/, "", q)) if (!(q in sub_of)) return 0
		# the top-level directory itself (./Kbuild, TOP_DIRS)
		if (q != p && !(q in sub_of)) return 0
		return 1 }
	{ f = $1; k = $2
	  if (k != "changed") { print f "\t" k "\t-"; next }
	  if (f ~ /^arch\// && f !~ /^arch\/x86\//) { print f "\tother-arch\t-"; next }
	  if (f ~ /^(tools|scripts|samples|Documentation|usr)\//) { print f "\tnot-kernel\t-"; next }
	  o = f; sub(/\.c$/, ".o", o)
	  # the directory whose Makefile lists the object (a composite
	  # object may name files in subdirectories) must be descended into
	  if (o in m) { if (reached(m[o] "/x")) { print f "\tmodule\t-"; next } }
	  else if (o in y) { if (reached(y[o] "/x")) { print f "\tbuiltin\t-"; next } }
	  else { print f "\tdisabled\tnot in obj-y/obj-m"; next }
	  print f "\tdisabled\tdirectory not built"
	}' "$WORK/changed.tsv" > "$tmp" && mv "$tmp" "$out"
}

# classify_files: files.tsv (cached: delete it to reclassify) and
# compiled.txt, the paths of its builtin and module files
classify_files() {
	[ -s "$WORK/files.tsv" ] || classify
	awk -F'\t' '$2 == "builtin" || $2 == "module" { print $1 }' "$WORK/files.tsv" > "$WORK/compiled.txt.$$" &&
		mv "$WORK/compiled.txt.$$" "$WORK/compiled.txt"
}
# print_classes: --list, files.tsv on stdout, the count of each class on stderr
print_classes() {
	cat "$WORK/files.tsv"
	awk -F'\t' '{ n[$2]++ } END { for (k in n) printf "%s %d\n", k, n[k] }' "$WORK/files.tsv" | sort >&2
}

# select_files: SEL (the run's temporary files' prefix), the selected
# lines of files.tsv; NSEL their number
select_files() {
	SEL=$WORK/selection.$$
	trap 'rm -f "$SEL" "$SEL".*' EXIT
	if [ -n "$FILES_FROM" ]; then
		awk -F'\t' 'NR == FNR { want[$1] = 1; next } ($1 in want)' "$FILES_FROM" "$WORK/files.tsv" > "$SEL"
	else
		awk -F'\t' '$2 == "builtin" || $2 == "module"' "$WORK/files.tsv" > "$SEL"
	fi
	if [ "$SAMPLE" -gt 0 ]; then
		seeded_order "$SEED" < "$SEL" | head -n "$SAMPLE" | LC_ALL=C sort > "$SEL.s"
		mv "$SEL.s" "$SEL"
	fi
	NSEL=$(wc -l < "$SEL")
	log "$NSEL files selected"
}
