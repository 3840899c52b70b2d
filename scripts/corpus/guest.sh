# scripts/corpus/guest.sh: stage 4 of the corpus (sourced by run).
# guest_all: the updates made are applied, smoke-tested and removed in a
# guest running the old stock kernel, --batch updates a boot (in-guest
# runs there as /usr/bin/corpus-guest).  Each finished update's result is
# cached under guest/KEY/result (guest_key, lib.sh); every boot's output
# is kept under logs/.

run_batch() { # LIST of "IDX KEY PATH": boots once, caches what finished
	local list=$1 args=() gl=$SEL.glist out rc idx key f tb id tg
	: > "$gl"
	while read -r idx key f; do
		tb=$(tarball_of "$key"); id=$(upd_id "$f")
		tg=$(targets_of "$WORK/create/$key/out"); tg=${tg:-vmlinux}
		args+=(--file "$tb:/root/u/$idx.tar.gz")
		echo "$idx $id $tg /root/u/$idx.tar.gz" >> "$gl"
	done < "$list"
	log "guest: booting $ABI for $(wc -l < "$gl") updates"
	out=$(nice -n 10 "$ROOT/scripts/vm-run" --kernel "$ABI" --smp 2 \
		--timeout $((120 + 40 * $(wc -l < "$gl"))) --allow-warnings \
		--file "$HERE/in-guest:/usr/bin/corpus-guest" \
		--file "$MODCONF:/etc/modprobe.d/corpus.conf" \
		--file "$gl:/root/list" "${args[@]}" -- 'corpus-guest /root/list' 2>&1)
	rc=$?
	mkdir -p "$WORK/logs"; printf '%s\n' "$out" > "$WORK/logs/batch-$(date +%Y%m%d-%H%M%S)-$$.log"
	while read -r idx key f; do
		local lines cls reason gk a mod
		lines=$(printf '%s\n' "$out" | grep "^@@[A-Z]* $idx\( \|$\)")
		grep -q "^@@BEGIN $idx$" <<< "$lines" || continue # never started: next boot
		gk=$(guest_key "$key")
		if ! grep -q "^@@END $idx$" <<< "$lines"; then
			cls=other reason="guest died during this update (vm-run exit $rc)"
		else
			a=$(grep "^@@APPLY $idx " <<< "$lines" | cut -d' ' -f3-)
			mod=$(grep "^@@MOD $idx " <<< "$lines" | awk '$4 != 0 { print $3 }' | tr '\n' ' ')
			case ${a%% *} in
			0)	cls=applied reason=
				grep -q "^@@SMOKE $idx 0" <<< "$lines" || { cls=other reason="smoke workload failed after apply"; }
				grep -q "^@@REMOVE $idx 0" <<< "$lines" ||
					{ cls=other reason="ksplice-remove failed: $(grep "^@@REMOVE $idx " <<< "$lines" | cut -d' ' -f4- | cut -c1-200)"; }
				[ -n "$mod" ] && { cls=other reason="target module ${mod% } does not load in the guest (--partial: its part was not applied)"; } ;;
			11) cls="no match" reason=$(cut -d' ' -f2- <<< "$a" | sed -E 's/ is not the running code: [^ ]+: the pre code does not match the running function of that name in [^ ]+ +/: /' | cut -c1-400) ;;
			12) cls="code busy" reason=$(cut -d' ' -f2- <<< "$a" | cut -c1-240) ;;
			23) cls="patch site overlap" reason=$(cut -d' ' -f2- <<< "$a" | cut -c1-240) ;;
			*)  cls=other reason="ksplice-apply exit ${a%% *}: $(cut -d' ' -f2- <<< "$a" | cut -c1-240)" ;;
			esac
			if grep -q "^@@WARN $idx " <<< "$lines"; then
				local wl ld
				wl=$(grep "^@@WARN $idx " <<< "$lines" | cut -d' ' -f4-)
				# "Modules linked in: NAME(+)": the warning came while NAME
				# was loading; if that is not one of ksplice's modules, the
				# target's own load warned (a driver without its hardware,
				# a crypto self-test under TCG): noted, not blamed on ksplice
				ld=$(grep -o '[A-Za-z0-9_]*(+)' <<< "$wl" | head -1); ld=${ld%(+)}
				if [ -n "$ld" ] && [[ $ld != ksplice* ]]; then
					reason="${reason:+$reason; }note: the kernel warned while loading module $ld: $(cut -c1-120 <<< "$wl")"
				else
					cls=other reason="kernel warning in the guest: $(cut -c1-200 <<< "$wl")"
				fi
			fi
		fi
		mkdir -p "$WORK/guest/$gk"
		printf '%s\t%s\n' "$cls" "$(printf '%s' "$reason" | tr '\t' ' ')" > "$WORK/guest/$gk/result.tmp" &&
			mv "$WORK/guest/$gk/result.tmp" "$WORK/guest/$gk/result"
	done < "$list"
	grep -q '^@@DONE' <<< "$out" || log "guest: batch ended early (vm-run exit $rc)"
	return 0
}

# guest_all: every update made and not yet tried, in batches; updates a
# dead guest never reached are retried in the next boot (three rounds)
guest_all() {
	local round f c key tb np b
	for round in 1 2 3; do
		: > "$SEL.pending"
		while IFS=$'\t' read -r f c key; do
			grep -q '^created' "$WORK/create/$key/result" || continue
			tb=$(tarball_of "$key"); [ -n "$tb" ] || continue
			[ -f "$WORK/guest/$(guest_key "$key")/result" ] || echo "$key $f" >> "$SEL.pending"
		done < "$SEL.keys"
		np=$(wc -l < "$SEL.pending")
		[ "$np" -gt 0 ] || break
		log "guest: $np updates to try (round $round)"
		split -l "$BATCH" -d "$SEL.pending" "$SEL.batch."
		for b in "$SEL".batch.*; do
			awk '{ print NR, $1, $2 }' "$b" > "$b.l"
			run_batch "$b.l"
			rm -f "$b" "$b.l"
		done
	done
}
