#!/usr/bin/env bash
# One copied keel file is enough. Where no file system can hold a copy of
# libkeel.so (read-only root and /dev, /dev/shm noexec: `docker run
# --read-only`), keel puts its embedded copy in a memfd at a high fd and
# preloads /proc/self/fd/N. That works for a non-root user, after the app
# execs again, and leaves the app's low fds alone. In exec mode (nothing
# would remove a private copy) it is the memfd too.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
tmpdir
chmod 755 "$T"
cp "$KEEL" "$T/keel"
cp "$LIBKEEL" "$T/expected.so"
chmod 644 "$T/expected.so"
cat >"$T/probe" <<P
p=\${LD_PRELOAD%% *}
case \$p in /proc/self/fd/*) ;; *) echo "bad \$p"; exit 1;; esac
echo "fd=\${p##*/}"
cmp "\$p" "$T/expected.so" && echo same
exec sh -c 'cmp "\${LD_PRELOAD%% *}" "$T/expected.so" && echo same-after-exec'
P
probe="sh $T/probe"
out=$(ulimit -n 4096; nofile "$T/keel" -- $probe)
expect_match "memfd path" "fd=1023" "$out"
expect_match "contents" "same" "$out"
expect_match "after exec" "same-after-exec" "$out"
# The app's low fds: only 0-2 (plus what the caller passed) are open.
base=$(sh -c 'ls /proc/self/fd' | sort -n | tr '\n' ' ')
low=$(nofile "$T/keel" -- sh -c 'ls /proc/self/fd' | sort -n | tr '\n' ' ')
expect_eq "only fd 1023 added" "${base}1023 " "$low"
# A soft limit of 64 puts it at 63.
out=$(ulimit -n 64; nofile "$T/keel" -- sh -c 'echo $LD_PRELOAD')
expect_eq "below RLIMIT_NOFILE" "/proc/self/fd/63" "$out"
# Non-root user.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	out=$(nofile setpriv --reuid=65534 --regid=65534 --clear-groups "$T/keel" -- $probe)
	expect_match "non-root" "same-after-exec" "$out"
fi
# Exec mode, even where a private copy could be written.
out=$(KEEL_MODE=exec as_pid1 "$T/keel" -- $probe)
expect_match "exec mode" "same-after-exec" "$out"
exit 0
