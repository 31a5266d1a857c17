#!/usr/bin/env bash
# Bad seccomp input: an unknown system call name or action gets one line
# naming it and exit 2, and the app never starts.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
tmpdir
check() {
	local what=$1 pattern=$2
	shift 2
	out=$(env "$@" unshare --pid --fork --mount-proc "$KEEL" -- touch "$T/started" 2>&1)
	expect_eq "$what: status" 2 "$?"
	expect_eq "$what: one line" 1 "$(printf '%s\n' "$out" | wc -l)"
	expect_match "$what: message" "$pattern" "$out"
	[ -e "$T/started" ] && fail "$what: the app started"
	return 0
}
check "unknown call" '^keel: fatal: KEEL_SECCOMP_DENY=nosuchcall: .*nosuchcall' KEEL_SECCOMP_DENY=nosuchcall
check "unknown call in a list" '^keel: fatal: KEEL_SECCOMP_DENY=mount,bogus: .*bogus' KEEL_SECCOMP_DENY=mount,bogus
check "unknown action" '^keel: fatal: KEEL_SECCOMP_ACTION=explode: ' KEEL_SECCOMP_ACTION=explode KEEL_SECCOMP=default
check "unknown mode" '^keel: fatal: KEEL_SECCOMP=paranoid: ' KEEL_SECCOMP=paranoid
# given as a flag, the message quotes the flag
out=$(unshare --pid --fork --mount-proc "$KEEL" --seccomp-deny mount,bogus -- touch "$T/started" 2>&1)
expect_eq "flag: status" 2 "$?"
expect_match "flag: message" '^keel: fatal: --seccomp-deny mount,bogus: .*bogus' "$out"
exit 0
