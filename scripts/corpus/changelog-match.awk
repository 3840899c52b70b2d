# scripts/corpus/changelog-match.awk: which Debian changelog entries a
# changed file carries.  Input: tab-separated lines, the path in field 1
# and the changed functions ("TARGET: changed NAME, ...") in field 6;
# -v cl=FILE: the entries, one a line.  Output: each input line with one
# more field, the numbers (1 = first line of cl) of the matching entries,
# comma separated, or "-".
# The changelog does not name files: an entry matches when it names one
# of the file's changed functions, or when the last component of its
# subsystem prefix is the file's name; only when none does, entries whose
# prefix is the file's directory.  A name too common to tell a file by
# itself (core, main, ...) must come with another component of the path.
# Used by report.sh (the corpus report) and scripts/publish-release.
function norm(s) { s = tolower(s); gsub(/[-_]/, "_", s); return s }
BEGIN { FS = OFS = "\t"
	while ((getline l < cl) > 0) {
		ne++
		t = l; sub(/^\[[^]]*\] /, "", t); sub(/^Revert "/, "", t)
		# the subsystem prefix: everything before the last ": "
		p = ""; while (match(t, /^[^ :]+(: | )/) && substr(t, RLENGTH - 1, 2) == ": ") {
			p = p " " substr(t, 1, RLENGTH - 2); t = substr(t, RLENGTH + 1) }
		# "Input: aiptek - fix ...": the driver after the prefix
		if (match(t, /^[^ ]+ - /)) p = p " " substr(t, 1, RLENGTH - 3)
		n = split(p, w, /[ \/,]+/); last[ne] = n ? norm(w[n]) : ""
		toks[ne] = ""; for (k = 1; k <= n; k++) toks[ne] = toks[ne] " " norm(w[k]) " "
		low[ne] = l
	}
	# names too common to tell a file by themselves
	split("core host common main base lib hw sw usb pci i2c net virtio dev device drv driver init utils util api ops debug sysfs proc platform", g, " ")
	for (k in g) generic[g[k]] = 1 }
# the entry names one more component of the path than the one matched
function more(i, path, skip,   q, n, k) {
	n = split(path, q, "/")
	for (k = 1; k < n; k++) if (norm(q[k]) != skip && index(toks[i], " " norm(q[k]) " ")) return 1
	return 0 }
{ f = $1; b = f; sub(/^.*\//, "", b); sub(/\.c$/, "", b); d = f; sub(/\/[^\/]*$/, "", d); sub(/^.*\//, "", d)
  nb = norm(b); nd = norm(d)
  nf = split($6, fn, /, /); out = ""; cnt = 0
  # first the entries that name the file or one of its changed
  # functions; only when there is none, those of its directory
  for (tier = 1; tier <= 2 && cnt == 0; tier++)
  for (i = 1; i <= ne; i++) {
	hit = 0
	if (tier == 1 && last[i] == nb && (!(nb in generic) || more(i, f, nb))) hit = 1
	if (tier == 2 && last[i] == nd && (!(nd in generic) || more(i, f, nd))) hit = 1
	for (j = 1; j <= nf && !hit && tier == 1; j++) {
		split(fn[j], x, " "); name = x[2]; sub(/\..*$/, "", name)
		if (length(name) > 4 && index(low[i], name)) hit = 1
	}
	if (hit) { cnt++; out = out (out == "" ? "" : ",") i }
  }
  print $0, (out == "" ? "-" : out)
}
