#!/usr/bin/env bash
# git under libkeel.so: commit 3000 files, change them, commit again, run
# git gc and fsck. The tree and commit hashes must match the same steps
# under glibc (fixed dates and identity make them deterministic).
. "$TESTS/lib.sh"
need git
tmpdir
export GIT_AUTHOR_NAME=keel GIT_AUTHOR_EMAIL=keel@example.org
export GIT_COMMITTER_NAME=keel GIT_COMMITTER_EMAIL=keel@example.org
export GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"
export GIT_CONFIG_NOSYSTEM=1 HOME=$T
steps() {	# steps DIR
	mkdir -p "$1" && cd "$1" || return 1
	git init -q -b main . || return 1
	for d in $(seq 0 29); do
		mkdir -p "d$d"
		for f in $(seq 0 99); do
			printf 'file %d/%d\n%s\n' $d $f "$(seq $f $((f + d)))" >"d$d/f$f.txt"
		done
	done
	git add -A && git commit -q -m first || return 1
	for d in $(seq 0 29 | awk 'NR % 3 == 0'); do
		sed -i 's/file/changed/' "d$d"/*.txt
	done
	git commit -q -a -m second || return 1
	git gc -q --aggressive || return 1
	git fsck --strict >/dev/null 2>&1 || return 1
	git rev-parse HEAD HEAD^{tree} HEAD~1
	git count-objects -v | grep -E '^(count|in-pack)'
}
t0=$(date +%s.%N)
a=$(steps "$T/glibc") || fail "git steps fail under glibc"
t1=$(date +%s.%N)
b=$(LD_PRELOAD=$LIBKEEL steps "$T/keel") || fail "git steps fail under keel"
t2=$(date +%s.%N)
expect_eq "hashes and object counts" "$a" "$b"
printf 'git (3000 files, 2 commits, gc --aggressive): glibc %.1f s, keel %.1f s\n' \
	"$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)"
