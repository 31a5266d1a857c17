# Helpers sourced by every test script (tests/run exports KEEL_BIN, LIBKEEL,
# BUILD, TESTS). A test exits 0 to pass, 77 to skip, anything else to fail.

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "skip: $*"; exit 77; }

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() { [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"; }

# expect_match WHAT REGEX TEXT
expect_match() { [[ $3 =~ $2 ]] || fail "$1: '$3' does not match /$2/"; }

# as_pid1 CMD...: runs CMD as PID 1 of a new PID namespace (what a container
# runtime does), with /proc remounted so the namespace's view is its own.
as_pid1() { unshare --pid --fork --mount-proc "$@"; }

# tmpdir: a fresh folder removed when the test exits.
tmpdir() {
	T=$(mktemp -d /tmp/keel-test.XXXXXX)
	trap 'rm -rf "$T"' EXIT
}

need() { command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed"; }

# slow_hugepages FILE: how many huge pages keel found slower than small
# ones, from the heap report (KEEL_STATS=1) in FILE; 0 when it found none
slow_hugepages() {
	local n
	n=$(sed -n 's/^libkeel: huge pages slower than small ones: \([0-9]*\).*/\1/p' "$1")
	echo "${n:-0}"
}
