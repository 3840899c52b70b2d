# The build as a distribution runs it (issue 19): the builder's CPPFLAGS,
# CFLAGS and LDFLAGS (dpkg-buildflags) reach every compile and link,
# warnings are errors only in make check, and `make` on a machine without
# the kernel cache builds the tools and says in one line how to get the
# module.  (Dry runs, make -n: the commands, not a second build.)
. "$(dirname "$0")/../lib/lib.sh"
cd "$ROOT"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
flags=(CPPFLAGS=-DKS_TEST_CPP CFLAGS="-O1 -g -fstack-protector-strong" LDFLAGS=-Wl,-z,now)
make -n -B BUILD="$T/b" "${flags[@]}" "$T/b/bin/ksplice-view" "$T/b/tests/test_util" > "$T/n" ||
	fail "make -n"
grep -q -- '-c -o .*/obj/util/fs.o' "$T/n" || fail "no compile of util/fs.o in: $(head -3 "$T/n")"
while read -r line; do
	case $line in
	*" -c -o "*)
		# the project's include paths first, then the builder's CPPFLAGS
		case $line in
		*"-Iinclude -Isrc/lib "*"-DKS_TEST_CPP"*) ;;
		*) fail "compile: not the project's includes, then CPPFLAGS: $line" ;;
		esac
		expect_contains "compile: CFLAGS" "-O1 -g -fstack-protector-strong" "$line" ;;
	*"-o $T/b/bin/ksplice-view "*|*"-o $T/b/tests/test_util "*)
		expect_contains "link: LDFLAGS" "-Wl,-z,now" "$line" ;;
	*) continue ;;
	esac
	case $line in *-Werror*) fail "-Werror outside make check: $line" ;; esac
done < <(grep '^cc \|^gcc ' "$T/n")
# make check and check-unit build with -Werror.
make -n check-unit | grep -q 'WERROR=-Werror all' || fail "check-unit does not build with -Werror"
make -n check 2>/dev/null | grep -q 'WERROR=-Werror all' || fail "check does not build with -Werror"
make -n -B BUILD="$T/b" WERROR=-Werror "$T/b/obj/util/fs.o" | grep -q -- '-Wall -Wextra -Werror' ||
	fail "WERROR=-Werror does not reach the compiler"
# Without the kernel cache: one line for each kernel, and no failure.
out=$(KSPLICE_CACHE="$T/nocache" make -s kmod-if-provisioned KERNEL_ABIS="6.1.0-55-amd64") ||
	fail "kmod-if-provisioned fails without a cache: $out"
expect_eq "the line without a cache" \
	"kmod: not built for 6.1.0-55-amd64: its headers are not in $T/nocache (make provision, or scripts/fetch-kernel 6.1.0-55-amd64)" "$out"
make -n all | grep -q 'kmod-if-provisioned\|build-kmod\|not built for' || fail "make all does not go through kmod-if-provisioned"
echo PASS
