#!/usr/bin/env bash
# The one-file keel where a file system can hold a file: keel writes a
# private copy of libkeel.so, <base>/keel.<random>/libkeel.so, in the first
# of /run, /dev, /tmp that allows exec and where it can make a folder no
# one else can write: the folder 0755 and the file 0644, both keel's
# user's, removed when keel exits. A base others can write in without the
# sticky bit, one of another user, one mounted noexec or read-only, is
# passed over (then the memfd); /dev serves a read-only root.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
[ "$(id -u)" = 0 ] || skip "needs root (mount namespaces, setpriv)"
tmpdir
chmod 755 "$T"
cp "$KEEL" "$T/keel"
show='p=${LD_PRELOAD%% *}; d=${p%/*}
echo "$p $(stat -c "%a %u" "$d") $(stat -c "%a %u" "$p")"; cmp "$p" "$LIBKEEL_WANT" && echo same'
export LIBKEEL_WANT=$LIBKEEL
# check WHAT BASE UID OUT: the copy is in BASE, owned by UID, as it must be
check() {
	local re="^$2/keel\\.[0-9a-f]{16}/libkeel\\.so 755 $3 644 $3"
	expect_match "$1" "$re" "$4"
	expect_match "$1: contents" "same" "$4"
	dir=$(dirname "${4%% *}")
	[ -e "$dir" ] && fail "$1: $dir left behind"
	return 0
}
out=$(as_pid1 "$T/keel" -- sh -c "$show")
check "root" /run 0 "$out"
# not root: /run and /dev are root's; /tmp (sticky) takes it
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$T/keel" -- sh -c "$show")
check "uid 65534" /tmp 65534 "$out"
# inns SETUP: keel (/run/keel) in a mount namespace after SETUP, at debug
# verbosity; $0 is $T there
inns() {
	unshare --mount --pid --fork --mount-proc sh -c "$1"' &&
		exec /run/keel -v -v -v -- sh -c "$1"' "$T" "$show" 2>"$T/err"
}
mkdir -m 777 "$T/open"
cp "$KEEL" "$T/open/keel"
mkdir -m 755 "$T/run" "$T/theirs"
cp "$KEEL" "$T/run/keel"
chown 1000 "$T/theirs"
# a read-only root (docker run --read-only, as root): /dev
out=$(inns 'mount --bind "$0/run" /run && mount -o remount,bind,ro /run &&
	mount -o remount,bind,ro /')
check "read-only root" /dev 0 "$out"
expect_match "read-only /run" "no copy of libkeel.so in /run: read-only" "$(cat "$T/err")"
# others can write in /run (not sticky), /dev is read-only, /tmp is
# another user's: the memfd
out=$(inns 'mount --bind "$0/open" /run && mount -o remount,bind,ro /dev &&
	mount --bind "$0/theirs" /tmp')
expect_match "hostile bases" "^/proc/self/fd/1023 " "$out"
err=$(cat "$T/err")
expect_match "open /run" "no copy of libkeel.so in /run: a folder others can write in" "$err"
expect_match "read-only /dev" "no copy of libkeel.so in /dev: read-only" "$err"
expect_match "their /tmp" "no copy of libkeel.so in /tmp: owned by another user" "$err"
# noexec
out=$(inns 'mount --bind "$0/run" /run && mount -o remount,bind,ro /run &&
	mount -o remount,bind,ro / && mount -o remount,bind,noexec /dev')
expect_match "noexec /dev" "^/proc/self/fd/1023 " "$out"
expect_match "noexec /dev" "no copy of libkeel.so in /dev: mounted noexec" "$(cat "$T/err")"
exit 0
