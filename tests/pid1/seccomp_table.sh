#!/usr/bin/env bash
# keel links a cut copy of libseccomp's system call table (the native
# architecture and its compat ones, init/seccomp_table.c). A filter that
# denies every name in it, on all those architectures, must come out of
# libseccomp as the same BPF bytes with the cut table as with the whole one.
. "$TESTS/lib.sh"
[[ -x $BUILD/tests/seccomp/table_eq_full ]] || skip "keel built without libseccomp"
names=$(mktemp)
trap 'rm -f "$names" "$names".full "$names".cut' EXIT
grep -o '^	"[a-z_0-9]*\\0"' "$BUILD/seccomp_table.h" | tr -d '"\t' |
	sed 's/\\0$//' > "$names"
count=$(wc -l < "$names")
(( count > 300 )) || fail "only $count names read from seccomp_table.h"
"$BUILD/tests/seccomp/table_eq_full" "$names" > "$names".full 2>/dev/null ||
	fail "whole table: exit $?"
"$BUILD/tests/seccomp/table_eq_cut" "$names" > "$names".cut 2>/dev/null ||
	fail "cut table: exit $?"
[[ -s $names.full ]] || fail "no BPF from the whole table"
cmp -s "$names".full "$names".cut ||
	fail "BPF differs between the whole and the cut table ($count names)"
