#!/usr/bin/env bash
# Bad input stops keel before anything starts: exactly one line on stderr
# naming the option, the value and what is accepted, and exit status 2.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
tmpdir
check() { # check REGEX CMD...
	local re=$1; shift
	out=$("$@" 2>"$T/err" >"$T/out"); rc=$?
	expect_eq "$* status" 2 "$rc"
	expect_eq "$* lines" 1 "$(wc -l <"$T/err")"
	expect_match "$* message" "$re" "$(cat "$T/err")"
	[ -e "$T/started" ] && fail "$*: the program ran"
	return 0
}
p="touch $T/started"
check '^keel: fatal: KEEL_GRACE=-1: not a duration \(accepted: 0-3600s' env KEEL_GRACE=-1 "$KEEL" sh -c "$p"
check '^keel: fatal: TINI_VERBOSITY=abc: .*accepted: 0-3' env TINI_VERBOSITY=abc "$KEEL" sh -c "$p"
check '^keel: fatal: -p NOSUCHSIG: not a signal' "$KEEL" -p NOSUCHSIG sh -c "$p"
check '^keel: fatal: -r 15: not a signal rewrite' "$KEEL" -r 15 sh -c "$p"
check '^keel: fatal: -x: unknown option' "$KEEL" -x sh -c "$p"
check '^keel: fatal: --nope: unknown option' "$KEEL" --nope sh -c "$p"
check '^keel: fatal: PROGRAM: missing' "$KEEL"
check '^keel: fatal: PROGRAM: missing' "$KEEL" -v --
check '^keel: fatal: -e: missing value' "$KEEL" -e
check '^keel: fatal: -e 256: ' "$KEEL" -e 256 sh -c "$p"
check '^keel: fatal: KEEL_RSS_LIMIT=12Q: not a size' env KEEL_RSS_LIMIT=12Q "$KEEL" sh -c "$p"
check '^keel: fatal: KEEL_DECAY_MS=70000: not a duration' env KEEL_DECAY_MS=70000 "$KEEL" sh -c "$p"
check '^keel: fatal: TINI_SUBREAPER=maybe: not a boolean' env TINI_SUBREAPER=maybe "$KEEL" sh -c "$p"
check '^keel: fatal: KEEL_SECCOMP=lax: .*off\|default\|strict' env KEEL_SECCOMP=lax "$KEEL" sh -c "$p"
check '^keel: fatal: KEEL_MALLOC=/no/such.so: unable to read' env KEEL_MALLOC=/no/such.so "$KEEL" sh -c "$p"
check '^keel: fatal: KEEL_MALLOC=jemalloc: ' env KEEL_MALLOC=jemalloc "$KEEL" sh -c "$p"
# An empty value counts as unset; a flag wins over a bad variable.
KEEL_GRACE= "$KEEL" true || fail "empty KEEL_GRACE refused"
out=$(KEEL_GRACE=-1 "$KEEL" --grace 1s true 2>&1); rc=$?
expect_eq "flag over variable" "0:" "$rc:$out"
# A misspelt variable is a warning that names the right one.
out=$(KEEL_GRCE=1 "$KEEL" true 2>&1)
expect_match "unknown variable" "keel: warning: KEEL_GRCE: .*KEEL_GRACE" "$out"
exit 0
