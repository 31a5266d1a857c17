#!/usr/bin/env bash
# argv reaches the child unchanged (empty strings, spaces, a literal --,
# things that look like keel's flags) and so does the environment.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
out=$(as_pid1 "$KEEL" -- sh -c 'for a; do printf "[%s]" "$a"; done' sh \
	"" "a b" "--" "-v" "  " "x")
expect_eq "argv" "[][a b][--][-v][  ][x]" "$out"
out=$(as_pid1 "$KEEL" sh -c 'printf "[%s]" "$@"' sh -- -g)
expect_eq "argv after PROGRAM is not parsed" "[--][-g]" "$out"
out=$(T_VAR1='va lue=1' EMPTY= as_pid1 "$KEEL" -- sh -c \
	'printf "%s|%s|%s" "$T_VAR1" "${EMPTY-unset}" "$HOME"')
expect_eq "env" "va lue=1||$HOME" "$out"
exit 0
