#!/usr/bin/env bash
# The shim's exec and spawn wrappers (shim/preload.c), in glibc and musl
# programs. Preloaded from a memfd at fd 1023 (the one-file keel's last
# resort), every call a program can start a child with puts the library
# back when the program closed its descriptors first: the child has libkeel
# mapped and ld.so says nothing. It borrows the parent's copy when it can
# (no bytes written) and writes a new memfd otherwise. A program that holds
# fd 1023 for itself keeps it: the child's LD_PRELOAD names another fd.
# Preloaded from a file, the wrappers only forward: results and errors are
# libc's.
. "$TESTS/lib.sh"
need python3
tmpdir
probe='echo "$(grep -c libkeel /proc/$$/maps) $(stat -L -c %i /proc/$$/fd/1023 2>/dev/null) [$LD_PRELOAD]"'
calls="execve execv execvp execvpe execl execle execlp fexecve posix_spawn posix_spawnp system popen fork-execv"
for libc in shim musl; do
	x=$BUILD/tests/$libc/execs
	[ -x "$x" ] || fail "$x missing: run make test-programs"
	for call in $calls; do
		sh=/bin/sh
		case $call in execvp|execlp|posix_spawnp) sh=sh ;; esac
		for how in close take; do
			# system() and popen() pass environ to libc's own spawn: a
			# program's own fd 1023 leaves them no way (a known limit)
			[ $how = take ] && [ "${call#[sp][yo]}" != "$call" ] && continue
			for run in exec spawn; do
				what="$libc $call $how ($run)"
				out=$(python3 "$TESTS/shim/memfd.py" $run "$x" $call $how $sh -c "$probe" 2>"$T/err")
				rc=$?
				[ $rc = 0 ] || fail "$what: exit $rc: $(cat "$T/err")"
				[ -s "$T/err" ] && fail "$what: stderr: $(cat "$T/err")"
				read -r maps ino pre <<<"$out"
				[ "$maps" -gt 0 ] || fail "$what: libkeel not mapped: $out"
				if [ $how = close ]; then
					expect_eq "$what: LD_PRELOAD" "[/proc/self/fd/1023]" "$pre"
				else
					# fd 1023 is still the program's /dev/null
					expect_eq "$what: fd 1023" "$(stat -L -c %i /dev/null)" "$ino"
					expect_match "$what: LD_PRELOAD" '^\[/proc/self/fd/[0-9]+\]$' "$pre"
					[ "$pre" != "[/proc/self/fd/1023]" ] || fail "$what: LD_PRELOAD names the program's fd"
				fi
			done
		done
	done
	echo "$libc: $calls: ok"
done
# Borrowed from the parent (same memfd, nothing written) when the parent
# still holds it; a new copy when it does not.
x=$BUILD/tests/shim/execs
out=$(python3 "$TESTS/shim/memfd.py" spawn "$x" execv close /bin/sh -c 'echo $KEEL_TEST_MEMFD_INO $(stat -L -c %i /proc/$$/fd/1023)')
read -r a b <<<"$out"
expect_eq "borrowed from the parent" "$a" "$b"
out=$(python3 "$TESTS/shim/memfd.py" exec "$x" execv close /bin/sh -c 'echo $KEEL_TEST_MEMFD_INO $(stat -L -c %i /proc/$$/fd/1023)')
read -r a b <<<"$out"
[ -n "$b" ] && [ "$a" != "$b" ] || fail "a new copy: $out"
# Nothing to put back when LD_PRELOAD no longer names it.
out=$(python3 "$TESTS/shim/memfd.py" exec "$x" execve-noenv close /bin/ls /proc/self/fd 2>&1)
[[ $out == *1023* ]] && fail "fd 1023 put back for a child that does not preload it: $out"
# From a file: the same calls, forwarded; errors are libc's.
for libc in shim musl; do
	x=$BUILD/tests/$libc/execs
	for call in $calls; do
		sh=/bin/sh
		case $call in execvp|execlp|posix_spawnp) sh=sh ;; esac
		out=$(LD_PRELOAD=$LIBKEEL "$x" $call close $sh -c 'grep -c libkeel /proc/$$/maps; exit 3' 2>&1)
		rc=$?
		expect_eq "$libc $call from a file: status" 3 "$rc"
		[ "$out" -gt 0 ] 2>/dev/null || fail "$libc $call from a file: $out"
	done
	LD_PRELOAD=$LIBKEEL "$x" execvp close keel-no-such-program 2>/dev/null
	expect_eq "$libc execvp of a missing program" 127 $?
	out=$(LD_PRELOAD=$LIBKEEL "$x" posix_spawnp close keel-no-such-program 2>&1)
	expect_match "$libc posix_spawnp's error" "No such file" "$out"
done
exit 0
