#!/usr/bin/env bash
# CPython's own regression tests for allocation-heavy modules, under glibc
# and under libkeel.so: the same tests must pass (a test that fails is run
# once more, as CPython's CI does: test_threading is timing-sensitive on a
# loaded machine). Times are printed, not judged. Skipped when Debian's
# libpython3-testsuite is missing.
. "$TESTS/lib.sh"
py=/usr/bin/python3
[ -x $py ] || skip "no /usr/bin/python3"
$py -c 'import test.libregrtest' 2>/dev/null || skip "python3 test suite not installed"
tmpdir
mods="test_bytes test_dict test_list test_unicode test_json test_re test_threading test_pickle test_collections test_set"
run() {	# run NAME [LD_PRELOAD]
	local start=$(date +%s.%N)
	(cd "$T" && LD_PRELOAD=$2 timeout 280 $py -m test -w $mods) >"$T/$1.log" 2>&1
	local rc=$?
	printf '%s: exit %s, %.1f s\n' "$1" $rc "$(echo "$(date +%s.%N) - $start" | bc)"
	return $rc
}
run glibc "" || { tail -20 "$T/glibc.log"; skip "the tests fail under glibc already"; }
run keel "$LIBKEEL" || { tail -40 "$T/keel.log"; fail "CPython tests fail under keel"; }
grep -Eq "Tests result: .*SUCCESS" "$T/keel.log" || fail "no SUCCESS line"
grep "tests OK" "$T/keel.log"
