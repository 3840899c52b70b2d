# scripts/corpus/report.sh: stage 5 of the corpus (sourced by run).
# collect_results: one line a selected file, from the cached create and
# guest results; summary_line: SUMLINE; write_report: the Markdown report
# (REPORT) and the summary (SUMMARY).

# collect_results: RES, PATH KIND TARGETS CLASS REASON FUNCS NEWCODE a
# line (tab separated), copied to RESULTS when given
collect_results() {
	local f c key cls reason funcs targets gr note det nc
	RES=$SEL.results
	while IFS=$'\t' read -r f c key; do
		# (fields may be empty: split on a character that is not white space)
		IFS=$'\037' read -r cls reason _ < <(tr '\t' '\037' < "$WORK/create/$key/result")
		funcs=$(funcs_of "$WORK/create/$key/out") targets=$(targets_of "$WORK/create/$key/out")
		if [ "$cls" = created ]; then
			gr=$WORK/guest/$(guest_key "$key")/result
			if [ $GUEST = 1 ] && [ -f "$gr" ]; then IFS=$'\037' read -r cls reason < <(tr '\t' '\037' < "$gr")
			elif [ $GUEST = 1 ]; then cls=other reason="not run in the guest"
			else cls=created reason="(guest not run)"; fi
		fi
		note=$(cat "$WORK/create/$key/note" 2>/dev/null)
		# ksplice-create shows only the end of a failed build: name what is left
		case $reason in building*failed*)
			det=$(grep -v '^make\|^ksplice-create\|^cc1:' "$WORK/create/$key/err" 2>/dev/null |
				grep -m1 -o 'error: .*\|implicit[-a-z ]*\|compilation terminated\|note: declared here\|too [a-z]* arguments.*\|undeclared.*')
			reason="build: the patched file does not compile${det:+ (… $det)}" ;;
		esac
		case $note in
		"the same fix changed "*)
			case $reason in
			# a member the compiler misses: the fix changed the struct
			*"has no member named"*)
				reason="the same fix changes the layout of a struct in a header used across the kernel (${note#the same fix changed }): needs new code (shadow data); per file: $reason" ;;
			*)	reason="the same fix changed a header used across the kernel (${note#the same fix changed }): needs ksplice-create --prebuild; per file: $reason" ;;
			esac ;;
		?*)	reason="$note${reason:+; $reason}" ;;
		esac
		# "needs new code": what only hand-written code (update hooks) could do
		nc=no
		case $reason in *refused*data*|*refused*variable*|*writable*|*"changes the layout of"*) nc=yes ;; esac
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$f" "$c" "${targets:--}" "$cls" "${reason:--}" "${funcs:--}" "$nc"
	done < "$SEL.keys" > "$RES"
	[ -z "$RESULTS" ] || cp "$RES" "$RESULTS"
}

# changelog_entries: CL, the Debian changelog entries between the two
# versions, one a line
changelog_entries() {
	local deb=$CACHE/debs/linux-source-6.1_${NEW}_all.deb
	CL=$SEL.changelog
	: > "$CL"
	if [ -f "$deb" ]; then
		dpkg-deb --fsys-tarfile "$deb" 2>/dev/null | tar -xO ./usr/share/doc/linux-source-6.1/changelog.Debian.gz 2>/dev/null |
		zcat | awk -v old="$OLD" '
			/^linux \(/ { if (index($0, "(" old ")")) exit; next }
			/^    - / { if (e != "") print e; e = substr($0, 7); next }
			/^      [^ ]/ && e != "" { t = $0; sub(/^ +/, "", t); e = e " " t; next }
			{ if (e != "") print e; e = "" }
			END { if (e != "") print e }' > "$CL"
	fi
}

# Wilson 95% interval of X successes in N
wilson() { awk -v x="$1" -v n="$2" 'BEGIN { if (n == 0) { print "-"; exit }
	z = 1.96; p = x / n; d = 1 + z*z/n; c = (p + z*z/(2*n)) / d
	h = z * sqrt(p*(1-p)/n + z*z/(4*n*n)) / d
	printf "%.1f%%-%.1f%%", 100*(c-h), 100*(c+h) }'; }
pct() { awk -v x="$1" -v n="$2" 'BEGIN { if (n == 0) print "-"; else printf "%.1f%%", 100*x/n }'; }

# Cause of a failure, for grouping: names and numbers taken out.
cause_of() { # CLASS REASON
	printf '%s: %s\n' "$1" "$2" | sed -E \
		-e 's/^patch site overlap: .* would overlap an? ([a-z ]+) site at offset .*/patch site overlap: a \1 site under the jump/' \
		-e 's/^patch site overlap: .* branches to offset .*/patch site overlap: a branch into the bytes of the jump/' \
		-e 's/^patch site overlap: .* bytes long: no room for .*/patch site overlap: the function is too short for the jump/' \
		-e 's/^create failed: .*refused: [^ ]+: the patch changes the layout of .*/create failed: the fix changes the layout of a struct (needs new code: shadow data or a conversion hook)/' \
		-e 's/^create failed: the same fix changes the layout of a struct .*/create failed: the fix changes the layout of a struct (needs new code: shadow data or a conversion hook)/' \
		-e 's/^create failed: exit 1: build:/create failed: build:/' \
		-e 's/^create failed: .*refused: [^ ]+: the initial value of variable .*/create failed: refused: the initial value of a variable changed (needs new code: an update hook and ksplice_data_changed)/' \
		-e 's/^create failed: the same fix changed a header used across the kernel.*/create failed: the same fix changed a header used across the kernel (needs a whole-tree build: --prebuild)/' \
		-e 's/^create failed: per-fix patch: with the change to [^;]*; /create failed: with its headers: /' \
		-e 's/^create failed: per-directory patch: the change to [^;]*; /create failed: with its whole directory: /' \
		-e 's/^create failed: build: .*/create failed: the per-file patch does not compile alone (no changed header explains it: the fix spans other .c files)/' \
		-e 's/^([a-z ]+): per-(fix|directory) patch: [^;]*(; )?/\1: /' \
		-e "s/‘[^’]*’/‘…’/g; s/'[^']*'/'…'/g; s/\"[^\"]*\"/\"…\"/g" \
		-e 's/^(no match: no_match).*\): (not a form[^:]*|[^:()]*)$/\1: \2/' \
		-e 's/^(code busy: code_busy.*\(see conflicts\)).*/\1/' \
		-e 's/ksplice_c[0-9a-f]+_[A-Za-z0-9_]+/ksplice_ID_TARGET/g; s/expected [A-Za-z0-9_.]+ in/expected … in/g' \
		-e 's/Module [^ ]+ is not loaded/Module … is not loaded/; s/load module [^ ]+ \([^)]*\)/load module …/' \
		-e 's/; note: .*//' \
		-e 's/0x[0-9a-f]+/0x…/g; s/[0-9]+/N/g' \
		-e 's/ (function|symbol|object|module|variable) [A-Za-z_][A-Za-z0-9_.]*/ \1 …/g' | cut -c1-200
}

count() { awk -F'\t' -v k="$1" -v c="$2" '($2 == k || k == "") && (c == "" || $4 == c)' "$RES" | wc -l; }
nccount() { awk -F'\t' -v v="$1" -v c="$2" '$7 == v && (c == "" || $4 == c)' "$RES" | wc -l; }
# summary_line: SUMLINE, the counts of RES in one line
summary_line() {
	local total applied nochange cfail nomatch busy psite other created tried
	local b_all b_nc b_ok m_all m_nc m_ok n_all n_ok o_all o_nc o_ok scope
	total=$(wc -l < "$RES")
	applied=$(count "" applied) nochange=$(count "" "no change")
	cfail=$(count "" "create failed") nomatch=$(count "" "no match") busy=$(count "" "code busy")
	psite=$(count "" "patch site overlap")
	other=$(count "" other) created=$(count "" created)
	tried=$((total - nochange))
	b_all=$(count builtin "") b_nc=$(count builtin "no change") b_ok=$(count builtin applied)
	m_all=$(count module "") m_nc=$(count module "no change") m_ok=$(count module applied)
	n_all=$(nccount yes "") n_ok=$(nccount yes applied)
	o_all=$(nccount no "") o_nc=$(nccount no "no change") o_ok=$(nccount no applied)
	scope="all $total compiled changed files"
	[ "$SAMPLE" -gt 0 ] && scope="a sample of $total compiled changed files (seed $SEED)"
	[ -n "$FILES_FROM" ] && scope="$total listed files"
	SUMLINE="$OLD -> $NEW, $scope: applied $applied of $tried with code changes = $(pct "$applied" "$tried") (95% CI $(wilson "$applied" "$tried")); no change $nochange, create failed $cfail, no match $nomatch, code busy $busy, patch site overlap $psite, other $other$( [ "$created" -gt 0 ] && echo ", created (not tried) $created"). Built-in: $b_ok/$((b_all - b_nc)) ($(pct "$b_ok" $((b_all - b_nc)))); module: $m_ok/$((m_all - m_nc)) ($(pct "$m_ok" $((m_all - m_nc)))). Needs new code: $n_ok/$n_all applied; without new code: $o_ok/$((o_all - o_nc)) ($(pct "$o_ok" $((o_all - o_nc))))."
}

# The report's parts: the title, the summary and the classification of the
# changed files (files.tsv); the failures grouped by cause; one row a file
report_head() {
	echo "# ${TITLE:-Coverage on real fixes: Debian $OLD -> $NEW}"
	echo
	echo "Made by \`scripts/corpus\` (see \`docs/corpus.md\`) on $(date -u +%Y-%m-%d), kernel $ABI,"
	echo "tools built from commit $(cat "$SNAP/COMMIT" 2>/dev/null || echo '?') (snapshot \`tools/${SNAP##*/}\`)."
	echo
	echo "**Summary:** $SUMLINE"
	echo
	echo "The success rate counts the files whose per-file patch changes object code"
	echo "(\`no change\` left out: the patch changed only comments, \`__init\` code or"
	echo "nothing the config builds).  *Needs new code* marks fixes that change"
	echo "writable data or the layout of a struct, which only hand-written code"
	echo "(update hooks, shadow data) could carry."
	echo
	echo "## The changed files"
	echo
	echo "| class | files |"
	echo "|---|---|"
	awk -F'\t' '{ n[$2]++ } END { for (k in n) printf "| %s | %d |\n", k, n[k] }' "$WORK/files.tsv" | LC_ALL=C sort
	echo
	echo "\`builtin\` and \`module\`: compiled under the stock config (asked of Kbuild,"
	echo "\`obj-y\`/\`lib-y\` or \`obj-m\` in a directory the build descends into)."
	echo "\`disabled\`: not built by the stock config; \`other-arch\`: another"
	echo "architecture; \`not-kernel\`: tools/, scripts/, samples/, usr/;"
	echo "\`new\`/\`deleted\`: files only in one tree."
	echo
}
report_causes() {
	echo "## Failures by cause, largest first"
	echo
	echo "| files | cause | example |"
	echo "|---|---|---|"
	awk -F'\t' '$4 != "applied" && $4 != "no change"' "$RES" | while IFS=$'\t' read -r f _ _ cls reason _; do
		printf '%s\t%s\n' "$(cause_of "$cls" "$reason")" "$f"
	done | awk -F'\t' '{ n[$1]++; if (!($1 in ex)) ex[$1] = $2 } END { for (c in n) printf "%d\t%s\t%s\n", n[c], c, ex[c] }' |
		LC_ALL=C sort -t$'\t' -k1,1nr -k2 | awk -F'\t' '{ gsub(/\|/, "\\|", $2); printf "| %d | %s | `%s` |\n", $1, $2, $3 }'
	echo
}
report_files() {
	echo "## Per file"
	echo
	echo "Changelog entries are matched to a file by heuristics (the changelog does"
	echo "not name files): an entry names one of the file's changed functions, or the"
	echo "last component of its subsystem prefix is the file's name (else its"
	echo "directory; a common name such as \`core\` must come with another component"
	echo "of the path).  Expect some misses and some extra entries."
	echo
	echo "| file | kind | result | reason | functions | changelog entries (CVEs) |"
	echo "|---|---|---|---|---|---|"
	awk -v cl="$CL" -f "$HERE/changelog-match.awk" "$RES" | awk -F'\t' -v cl="$CL" '
	BEGIN { while ((getline l < cl) > 0) ent[++ne] = l }
	{ out = ""; cnt = 0
	  if ($8 != "-") { cnt = split($8, m, ",")
		for (k = 1; k <= cnt && k <= 3; k++) { e = ent[m[k]]; gsub(/\|/, "\\|", e); out = out (out == "" ? "" : "<br>") e } }
	  if (cnt > 3) out = out "<br>(+" cnt - 3 " more)"
	  if (out == "") out = "-"
	  f = $1
	  r = $5; gsub(/\|/, "\\|", r); fx = $6; gsub(/\|/, "\\|", fx)
	  if (length(fx) > 200) fx = substr(fx, 1, 200) "…"
	  kind = $2 == "builtin" ? "built-in" : $3 == "-" ? "module" : "module " $3
	  printf "| `%s` | %s | %s | %s | %s | %s |\n", f, kind, $4, r, fx, out
	}'
}

# write_report: REPORT and SUMMARY
write_report() {
	{ report_head; report_causes; report_files; } > "$REPORT.tmp" && mv "$REPORT.tmp" "$REPORT"
	printf '%s\n' "$SUMLINE" > "$SUMMARY.tmp" && mv "$SUMMARY.tmp" "$SUMMARY"
	log "report: $REPORT"
}
