#!/bin/bash
# Every program the project's scripts and tests run on the host comes from
# a package scripts/install-deps installs (or one of those packages'
# dependencies), or from the base system (Essential, or Priority required
# or important).  A fresh machine has nothing else: qemu-img was called by
# scripts/vm-run while only a hand-installed qemu-utils provided it, and
# make check failed on the first fresh machine it met (issue 23).
#
# The command words are read off the shell sources (first word of each
# simple command; heredoc bodies are skipped); the guest runs busybox and
# the project's own tools, so words that exist only there are named in
# GUEST_ONLY below, each with where it runs.
. "$(dirname "$0")/../lib/lib.sh"
cd "$ROOT"

# Words in command position that are not host programs: the guest's own
# commands (busybox applets and the tools the tests copy in), and names
# the shell sources use as commands but define themselves.
GUEST_ONLY=" ksplice-apply ksplice-remove ksplice-view ksplice-create ksplice-undo
 uptrack-upgrade uptrack-install uptrack-remove uptrack-show uptrack-uname
 uptrack-publish uptrack-manager
 stress-guest sleepers latency timeit sysfs-fuzz-guest httpd insmod rmmod modprobe lsmod
 sync poweroff reboot halt udhcpc mdev switch_root "

shell_sources() {
	local f
	# (scripts/*/*: a tool of several files, such as scripts/corpus/)
	for f in scripts/* scripts/*/* tests/run-tests tests/lib/lib.sh tests/host/*.sh tests/lib/*.bash \
		tests/vm/*.sh tests/bench/* tests/fuzz/run-fuzz .ci/run; do
		[ -f "$f" ] || continue
		# scripts that run inside the guest, not on the host
		case $f in *-guest|*guest-lib|*/in-guest) continue ;; esac
		head -c 200 "$f" | head -1 | grep -q '^#!.*\(bash\|sh\)' ||
			case $f in *.sh|*.bash|tests/lib/lib.sh) ;; *) continue ;; esac
		echo "$f"
	done
}

# command_words FILE...: one "WORD FILE" line per command word.  A small
# scanner keeps the quoting state across lines, so that text inside quotes
# (the guest's scripts in '...', awk programs, messages) and heredoc bodies
# are never read as commands.
command_words() {
	awk '
	function emit(seg,   n, w, i) {
		n = split(seg, w, /[ \t]+/)
		for (i = 1; i <= n; i++) {
			if (w[i] == "" || w[i] ~ /^[A-Za-z_][A-Za-z0-9_]*=/) continue
			if (w[i] ~ /^(if|then|else|elif|do|while|until|time|exec|command|nice|setsid|env|xargs|!|[{])$/) continue
			if (w[i] == "timeout") { i++; continue }
			if (w[i] ~ /^[a-z][a-z0-9._+-]*$/) print w[i], FILENAME ":" FNR
			return
		}
	}
	FNR == 1 { here = ""; ctx = ""; cont = 0; arr = 0; incase = 0 }
	here != "" { if ($0 ~ "^[ \t]*" here "[ \t]*$") here = ""; next }
	{
		# ctx is a stack of what the scanner is inside: s single
		# quotes, d double quotes, c a $( ) or ( ) of code
		code = ""; line = $0; L = length(line); cont2 = 0
		startq = ctx ~ /[sd]$/
		for (k = 1; k <= L; k++) {
			c = substr(line, k, 1); top = substr(ctx, length(ctx), 1)
			if (top == "s") { if (c == "\047") ctx = substr(ctx, 1, length(ctx) - 1); continue }
			if (top == "d") {
				if (c == "\\") { k++; continue }
				if (c == "\"") ctx = substr(ctx, 1, length(ctx) - 1)
				else if (c == "$" && substr(line, k + 1, 1) == "(" && substr(line, k + 2, 1) != "(") {
					ctx = ctx "c"; code = code " $( "; k++
				}
				continue
			}
			if (c == "\\") { if (k == L) cont2 = 1; k++; code = code " "; continue }
			if (c == "\047") { ctx = ctx "s"; code = code " Q "; continue }
			if (c == "\"") { ctx = ctx "d"; code = code " Q "; continue }
			if (c == "#" && (k == 1 || substr(line, k - 1, 1) ~ /[ \t;(]/)) break
			if (top == "c" && c == "(") ctx = ctx "c"
			if (top == "c" && c == ")") ctx = substr(ctx, 1, length(ctx) - 1)
			code = code c
		}
		gsub(/\$\{[^}]*\}/, " ", code)
		# case patterns (a|b|c) are not commands
		if (code ~ /(^|[ \t;])case[ \t].*[ \t]in([ \t]|$)/) { incase++; sub(/case[ \t].*[ \t]in([ \t]|$)/, "case ;", code) }
		if (incase) {
			gsub(/(^|;;?)[ \t]*\(?[^();|&` \t][^();&`]*\)/, ";", code)
			if (code ~ /(^|[ \t;])esac([ \t;]|$)/) incase--
		}
		if (index(code, "<<") && match(line, /<<-?[ \t]*["\047]?[A-Za-z_]+/)) {
			tag = substr(line, RSTART, RLENGTH); gsub(/[<"\047 \t-]/, "", tag); here = tag
		}
		# arithmetic and array assignments hold no commands
		gsub(/\$?\(\([^)]*\)\)/, " ", code)
		if (arr) { if (code ~ /\)/) arr = 0; cont = cont2; next }
		if (code ~ /^[ \t]*[A-Za-z_][A-Za-z0-9_]*=\([^)]*$/) { arr = 1; cont = cont2; next }
		# what follows a closing parenthesis is still the arguments
		# of the command around it: ")" ends no command
		gsub(/[A-Za-z_][A-Za-z0-9_]*=\([^()]*\)/, " ", code)
		gsub(/\)/, " ", code)
		n = split(code, seg, /\|\||&&|[|;&`]|\$\(|\(/)
		# a continued line, or one that starts inside quotes, goes on
		# with the previous command: its first segment is not a command
		for (j = (cont || startq) ? 2 : 1; j <= n; j++) emit(seg[j])
		cont = cont2
	}' "$@"
}

# functions FILE...: names the sources define as shell functions.
functions() {
	grep -ohE '^[[:space:]]*[A-Za-z_][A-Za-z0-9_-]*\(\)' "$@" | tr -d ' \t()' | sort -u
}

mapfile -t SRCS < <(shell_sources)
[ ${#SRCS[@]} -gt 10 ] || fail "found only ${#SRCS[@]} shell sources"
mapfile -t PKGS < <(sed -n '/^PKGS=(/,/^)/p' scripts/install-deps | sed '1d;$d' | tr -s ' \t' '\n' | sed '/^$/d')
[ ${#PKGS[@]} -gt 5 ] || fail "cannot read PKGS from scripts/install-deps"

# The packages install-deps brings: its list and their dependencies.
closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
	--no-breaks --no-replaces --no-enhances "${PKGS[@]}" 2>/dev/null |
	sed -n 's/^\([a-z0-9][^ <>:]*\).*/\1/p; s/^ *[|]*\(Pre\)\{0,1\}Depends: \([^<>]*\)$/\2/p' | sort -u)
[ -n "$closure" ] || fail "apt-cache depends gave nothing"
in_closure() { grep -qxF "$1" <<<"$closure"; }
base_pkg() {
	local p
	p=$(dpkg-query -W -f='${Essential} ${Priority}' "$1" 2>/dev/null) || return 1
	case $p in yes*|*required|*important) return 0 ;; esac
	return 1
}

# owner PATH: the package that owns a program; with merged /usr, dpkg knows
# /usr/bin/sed as /bin/sed, so both spellings are asked.
# A program found first in /usr/local (a local wrapper) is looked up under
# its name in the system directories too, and alternatives links are
# followed to the file a package owns.
owner() {
	local p q b
	b=$(basename "$1")
	for p in "$1" /bin/"$b" /sbin/"$b" /usr/bin/"$b" /usr/sbin/"$b"; do
		[ -e "$p" ] || continue
		for q in "$p" "$(readlink -f "$p")"; do
			dpkg -S "$q" 2>/dev/null | head -1 | sed 's/:.*//; s/, .*//' | grep . && return
		done
	done
}

funcs=$(functions "${SRCS[@]}")
bad=0 checked=0
while read -r word where; do
	grep -qxF "$word" <<<"$funcs" && continue
	case " $(echo $GUEST_ONLY) " in *" $word "*) continue ;; esac
	type -t "$word" | grep -qx 'builtin\|keyword' && continue
	path=$(command -v "$word") || {
		echo "NOT INSTALLED: $word (run in $where): no package of scripts/install-deps provides it"
		bad=$((bad + 1)); continue
	}
	pkg=$(owner "$path")
	[ -n "$pkg" ] || { echo "NO PACKAGE: $word ($path, run in $where) belongs to no Debian package"; bad=$((bad + 1)); continue; }
	checked=$((checked + 1))
	if in_closure "$pkg" || base_pkg "$pkg"; then
		continue
	fi
	echo "NOT IN install-deps: $word (run in $where) comes from $pkg, which scripts/install-deps does not install"
	bad=$((bad + 1))
done < <(command_words "${SRCS[@]}" | sort -u -k1,1)
echo "checked $checked host commands from ${#SRCS[@]} shell sources"
[ $checked -gt 20 ] || fail "only $checked commands checked: the extractor is broken"
[ $bad = 0 ] || fail "$bad commands are not provided by scripts/install-deps or the base system"
echo PASS
