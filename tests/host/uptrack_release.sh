# The effective version, honestly (docs/uptrack.md): a Debian release is
# live only when every update that brings it is installed, and every
# update of the releases before it.  Until then uptrack-uname -r stays at
# the running kernel, and uptrack-show says how many of the release's
# fixes are live and which are missing.
. "$(dirname "$0")/../lib/uptrack_env.bash"
# upd1 (from uptrack_env) and upd3 bring Debian 6.1.192-2; upd4 brings
# the next release, 6.1.192-3.
mkpkg upd3 "third fix"; publish --brings=6.1.192-2 --brings-release=6.1.0-56-amd64 \
	--brings-build="#1 SMP Debian 6.1.192-2" "$W/upd3.tar.gz"
mkpkg upd4 "fourth fix"; publish --brings=6.1.192-3 --brings-release=6.1.0-57-amd64 \
	--brings-build="#1 SMP Debian 6.1.192-3" "$W/upd4.tar.gz"
uname_r() { "$B/uptrack-uname" -r; }
show() { "$B/uptrack-show" "$@" || fail "uptrack-show $*"; }

# 1. One of the two fixes of 6.1.192-2: the real version, and the count.
expect_rc "install upd1" 0 "$B/uptrack-install" upd1
expect_eq "uname -r with 1 of 2 fixes" "9.9.9-test" "$(uname_r)"
expect_eq "uname -v with 1 of 2 fixes" "#1 SMP test (2026-01-01)" "$("$B/uptrack-uname" -v)"
out=$(show)
expect_contains "show with 1 of 2" "9.9.9-test with 1 of 2 fixes of 6.1.192-2; missing: upd3" "$out"
expect_contains "effective with 1 of 2" "Effective kernel version is 9.9.9-test" "$out"
j=$(show --json)
expect_eq "json effective" "9.9.9-test" "$(jq -r .effective.release <<< "$j")"
expect_eq "json partial" '{"debian":"6.1.192-2","installed":1,"total":2,"missing":["upd3"]}' \
	"$(jq -c .partial <<< "$j")"

# 2. The next release's only fix does not make the first one complete.
expect_rc "install upd4" 0 "$B/uptrack-install" upd4
expect_eq "uname -r with upd1 and upd4" "9.9.9-test" "$(uname_r)"
expect_contains "show with upd1 and upd4" "9.9.9-test with 1 of 2 fixes of 6.1.192-2; missing: upd3" "$(show)"

# 3. All of them: the newest release is live.
expect_rc "install upd3" 0 "$B/uptrack-install" upd3
expect_eq "uname -r with all" "6.1.0-57-amd64" "$(uname_r)"
expect_eq "uname -v with all" "#1 SMP Debian 6.1.192-3" "$("$B/uptrack-uname" -v)"
out=$(show)
case $out in *"fixes of"*) fail "a complete stream shows a partial release: $out" ;; esac
expect_eq "json partial when complete" "null" "$(show --json | jq -c .partial)"

# 4. Without upd4, 6.1.192-2 is complete and 6.1.192-3 has none: 6.1.192-2.
expect_rc "remove upd4" 0 "$B/uptrack-remove" upd4
expect_eq "uname -r without upd4" "6.1.0-56-amd64" "$(uname_r)"
case $(show) in *"fixes of"*) fail "a release with no fix installed shows as partial" ;; esac

# 5. Without upd1, 1 of 2 again (upd2, which requires upd1, goes first).
expect_rc "remove upd1" 0 "$B/uptrack-remove" upd1
expect_eq "uname -r without upd1" "9.9.9-test" "$(uname_r)"
expect_contains "show without upd1" "9.9.9-test with 1 of 2 fixes of 6.1.192-2; missing: upd1" "$(show)"
echo PASS
