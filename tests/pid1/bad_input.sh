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
check '^keel: fatal: KEEL_SUBREAPER=maybe: not a boolean' env KEEL_SUBREAPER=maybe "$KEEL" sh -c "$p"
check '^keel: fatal: KEEL_SECCOMP=lax: .*off\|default\|strict' env KEEL_SECCOMP=lax "$KEEL" sh -c "$p"
check '^keel: fatal: KEEL_MALLOC=/no/such.so: unable to read' env KEEL_MALLOC=/no/such.so "$KEEL" sh -c "$p"
check '^keel: fatal: KEEL_MALLOC=jemalloc: ' env KEEL_MALLOC=jemalloc "$KEEL" sh -c "$p"
# a value too long to quote whole is cut, and the cut is marked
huge=$(printf '9%.0s' $(seq 400))
check '^keel: fatal: KEEL_DECAY_MS=9{200,260}\.\.\.: not a duration' env KEEL_DECAY_MS=$huge "$KEEL" sh -c "$p"
# An empty value counts as unset; a flag wins over a bad variable.
KEEL_GRACE= "$KEEL" true || fail "empty KEEL_GRACE refused"
out=$(KEEL_GRACE=-1 "$KEEL" --grace 1s true 2>&1); rc=$?
expect_eq "flag over variable" "0:" "$rc:$out"
# A misspelt variable is a warning that names the right one.
out=$(KEEL_GRCE=1 "$KEEL" true 2>&1)
expect_match "unknown variable" "keel: warning: KEEL_GRCE: .*KEEL_GRACE" "$out"
# a KEEL_STATS_DIR the shim could not use, or that others could tamper with
long=/tmp/$(printf 'd%.0s' $(seq 200))
check "^keel: fatal: KEEL_STATS_DIR=$long: longer than 176 bytes" env KEEL_STATS_DIR=$long "$KEEL" sh -c "$p"
check '^keel: fatal: KEEL_STATS_DIR=/etc/passwd: not a folder' env KEEL_STATS_DIR=/etc/passwd "$KEEL" sh -c "$p"
check '^keel: fatal: --stats-dir /etc/passwd: not a folder' "$KEEL" --stats-dir /etc/passwd sh -c "$p"
mkdir -m 755 "$T/other" && chown 1000 "$T/other"
check "^keel: fatal: KEEL_STATS_DIR=$T/other: owned by another user" env KEEL_STATS_DIR="$T/other" "$KEEL" sh -c "$p"
mkdir -m 777 "$T/open" && chmod 777 "$T/open"
check "^keel: fatal: KEEL_STATS_DIR=$T/open: others can write in it and it is not sticky" env KEEL_STATS_DIR="$T/open" "$KEEL" sh -c "$p"
ln -s /tmp "$T/link"
check "^keel: fatal: KEEL_STATS_DIR=$T/link: a symbolic link" env KEEL_STATS_DIR="$T/link" "$KEEL" sh -c "$p"
check '^keel: fatal: KEEL_REPORT=/nonexistent/dir/file: the folder /nonexistent/dir cannot be written' env KEEL_REPORT=/nonexistent/dir/file "$KEEL" sh -c "$p"
check "^keel: fatal: --report /nonexistent/dir/file: the folder /nonexistent/dir cannot be written" "$KEEL" --report /nonexistent/dir/file sh -c "$p"
# What the user gave is quoted with control characters escaped (\n, \r, \t,
# \xNN, and \\ for a backslash): the message stays one line and cannot
# forge another line or send the terminal an escape sequence.
check '^keel: fatal: KEEL_GRACE=5s\\nkeel: info: forged: not a duration' env KEEL_GRACE=$'5s\nkeel: info: forged' "$KEEL" sh -c "$p"
check '^keel: fatal: --grace 1\\t\\x1b\[2J\\r: not a duration' "$KEEL" --grace $'1\t\e[2J\r' sh -c "$p"
check '^keel: fatal: KEEL_SUBREAPER=a\\\\nb: not a boolean' env KEEL_SUBREAPER='a\nb' "$KEEL" sh -c "$p"
check '^keel: fatal: KEEL_RSS_LIMIT=1\\xc2\\x9b2J\\x7f: not a size' env KEEL_RSS_LIMIT=$'1\xc2\x9b2J\x7f' "$KEEL" sh -c "$p"
check '^keel: fatal: --no\\npe: unknown option' "$KEEL" $'--no\npe' sh -c "$p"
check '^keel: fatal: -\\x1b: unknown option' "$KEEL" $'-\e' sh -c "$p"
touch "$T/a"$'\n'"b"
check "^keel: fatal: KEEL_STATS_DIR=$T/a"'\\nb: not a folder' env KEEL_STATS_DIR="$T/a"$'\n'"b" "$KEEL" sh -c "$p"
check '^keel: fatal: KEEL_REPORT=/nonexistent/\\x1b\]0;x\\x07/file: the folder /nonexistent/\\x1b\]0;x\\x07 cannot be written' env KEEL_REPORT=$'/nonexistent/\e]0;x\a/file' "$KEEL" sh -c "$p"
out=$(env $'KEEL_GR\nACE=1' "$KEEL" true 2>&1)
expect_eq "unknown variable: lines" 1 "$(wc -l <<<"$out")"
expect_match "unknown variable: escaped" '^keel: warning: KEEL_GR\\nACE: unknown variable' "$out"
# the same case rule for every word: any case
out=$(KEEL_SECCOMP=DEFAULT KEEL_ON_LIMIT=Fail KEEL_MODE=INIT "$KEEL" -- true 2>&1); rc=$?
expect_eq "words in any case" "0:" "$rc:$out"
exit 0
