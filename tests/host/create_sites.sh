#!/bin/bash
# Issue 23 item 1: every entry of a site table of the new-code module
# (.return_sites, .retpoline_sites, .call_sites, .static_call_sites,
# __jump_table, and the other tables the module loader or ftrace read
# before ksplice's notifier runs) has an ordinary relocation and lands on
# the instruction its table claims.  tests/patches/export-existing.patch
# changes proc_free_inum() in fs/proc/generic.c and newly exports
# proc_alloc_inum(), a function the running kernel already has: the
# carried copy's return site once lost its relocation (it became a
# ksplice relocation to the running function, filled only after
# apply_returns() had read a zero and warned "missing return thunk").
# The check here is independent of ksplice-create's own (readelf and
# objdump only), so it judges the module, not the verifier.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
create_setup

(cd "$WORK" && "$TOOL" --kernel=$ABI -v -j 2 --id=sites1 \
	--patch="$ROOT/tests/patches/export-existing.patch" "$SRC") > "$WORK/out" 2>&1
rc=$?
cat "$WORK/out"
[ $rc = 0 ] || fail "ksplice-create exited $rc"
mkdir "$WORK/x" && tar -xzf "$WORK/ksplice-sites1.tar.gz" -C "$WORK/x" || fail "unpack"
KO=$WORK/x/ksplice-sites1/new/ksplice_sites1_vmlinux.ko
[ -f "$KO" ] || fail "no new-code module"
grep -q "new export proc_alloc_inum" "$WORK/out" || fail "export not reported"
# ksplice-create's own check ran on the module before the package
grep -q "SITES   ksplice_sites1_vmlinux.ko: [1-9][0-9]* site table entries checked" "$WORK/out" ||
	fail "ksplice-create did not check the site tables"

readelf -SW "$KO" | sed -n 's/^ *\[ *\([0-9]*\)\] /\1 /p' > "$WORK/sections"
readelf -sW "$KO" > "$WORK/symbols"
readelf -rW "$KO" > "$WORK/relocs"

# mawk has no strtonum: awk prints hex, bash converts it ($((16#...))).
sec_size() {
	local h
	h=$(awk -v n="$1" '$2 == n { print $6 }' "$WORK/sections")
	[ -n "$h" ] && echo $((16#$h))
}
sec_name() { awk -v i="$1" '$1 == i { print $2 }' "$WORK/sections"; }
# relocs TABLE: "offset symbol addend" per relocation of TABLE
relocs() {
	awk -v want="'.rela$1'" '
		/^Relocation section/ { on = ($3 == want); next }
		on && NF >= 5 && $1 ~ /^[0-9a-f]+$/ {
			print $1, $5, ($6 == "-" ? "-" : "") ($7 == "" ? "0" : $7)
		}' "$WORK/relocs" |
	while read -r o s a; do
		case $a in -*) a=$((-16#${a#-})) ;; *) a=$((16#$a)) ;; esac
		echo "$((16#$o)) $s $a"
	done
}
# where SYMBOL ADDEND: "section offset" of the place a field points at
where() {
	local ndx val
	read -r ndx val < <(awk -v s="$1" '$8 == s && $7 ~ /^[0-9]+$/ {
		print $7, $2; exit }' "$WORK/symbols")
	if [ -n "${ndx:-}" ]; then
		echo "$(sec_name "$ndx") $((16#$val + $2))"
	elif [ -n "$(sec_size "$1")" ]; then
		echo "$1 $2"		# a section symbol
	fi
}
# insn SECTION OFFSET: objdump's text of the instruction there (mnemonic
# and operands) and <the symbols of the relocations inside it>
insn() {
	objdump -dr -j "$1" "$KO" | awk -v at="$(printf %x "$2")" '
		/^ +[0-9a-f]+:\t/ {
			split($0, f, "\t")
			if (f[3] == "") next	# bytes continued from the line above
			if (found) exit
			a = f[1]; sub(/^ +/, "", a); sub(/:$/, "", a)
			if (a == at) { found = 1; line = f[3] }
			next
		}
		found && /R_X86_64_/ { line = line " <" $3 ">" }
		END { if (found) print line }'
}

# bytes SECTION OFFSET COUNT: hex of the bytes there
bytes() {
	objcopy -O binary --only-section="$1" "$KO" "$WORK/sec.bin" &&
		od -An -tx1 -j "$2" -N "$3" "$WORK/sec.bin" | tr -s " \n" " " | sed "s/^ //; s/ $//"
}

checked=0 bad=0
check() { # TABLE ENTSIZE PATTERN WHAT
	local table=$1 ent=$2 pat=$3 what=$4 size n k off sym add sec loc text
	size=$(sec_size "$table")
	[ -n "$size" ] || return 0
	relocs "$table" > "$WORK/r"
	n=$((size / ent))
	[ $((n * ent)) = "$size" ] || { echo "BAD: $table is $size bytes, not entries of $ent"; bad=$((bad + 1)); }
	for ((k = 0; k < n; k++)); do
		off=$((k * ent))
		sym= add=
		read -r sym add < <(awk -v o=$off '$1 == o { print $2, $3; exit }' "$WORK/r")
		checked=$((checked + 1))
		if [ -z "${sym:-}" ]; then
			echo "BAD: entry $k of $table has no relocation (bytes $(bytes "$table" $off $ent))"
			bad=$((bad + 1)); continue
		fi
		read -r sec loc < <(where "$sym" "$add")
		[ "$pat" = - ] && continue	# the relocation is all that is asked
		text=$(insn "$sec" "$loc")
		if [ -z "$text" ] || ! [[ "$text" =~ $pat ]]; then
			echo "BAD: entry $k of $table points at $sec+$(printf %#x "$loc") '${text:-not an instruction}', not $what"
			bad=$((bad + 1))
		fi
	done
}
check .return_sites 4 '^(ret|jmp .*<__x86_return_thunk)' "a return"
check .retpoline_sites 4 '^(call|jmp|j[a-z]+) .*<__x86_indirect_thunk_' "a retpoline call or jump"
check .call_sites 4 '^call' "a call"
check .static_call_sites 8 '^(call|jmp|j[a-z]+) ' "a static call"
check __jump_table 16 '^(nop|xchg +%ax,%ax|jmp)' "a jump label"
check __mcount_loc 8 '^(call .*<__fentry__|nop)' "an ftrace site"
check .smp_locks 4 '^lock' "a lock prefix"
# read by the module loader too (ORC lookup, exception fixups,
# alternatives): a relocation is what matters
check .orc_unwind_ip 4 - "code"
check __ex_table 12 - "code"
check .altinstructions 12 - "code"
echo "$checked entries checked, $bad wrong"
[ $checked -gt 0 ] || fail "no site table entries in the module"
[ $bad = 0 ] || fail "$bad site table entries are wrong"
echo "PASS: every site table entry of the new-code module is relocated and lands on its instruction"
