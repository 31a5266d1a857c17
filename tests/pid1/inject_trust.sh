#!/usr/bin/env bash
# An installed libkeel.so (beside keel, or PREFIX/lib/keel/libkeel.so as
# make install puts it) is preloaded by path in every process, root's too,
# so keel uses it only when no one but root or keel's user can change it:
# the file and every folder on its path theirs, the file writable by no
# one else, a folder only when sticky; a regular file (no link), and a
# shared object for this machine. Otherwise one warning names the file and
# why, and keel writes its own copy instead.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
[ "$(id -u)" = 0 ] || skip "needs root (chown)"
tmpdir
umask 022
chmod 755 "$T"
install -D -m 0755 "$KEEL" "$T/usr/bin/keel"
install -D -m 0644 "$LIBKEEL" "$T/usr/lib/keel/libkeel.so"
lib=$T/usr/lib/keel/libkeel.so
# preload WANT_REGEX [WARNING_REGEX]: what keel preloads, and what it says
preload() {
	local out err
	out=$(as_pid1 "$T/usr/bin/keel" -- sh -c 'echo ${LD_PRELOAD%% *}' 2>"$T/err")
	err=$(cat "$T/err")
	expect_match "$what: LD_PRELOAD" "$1" "$out"
	if [ -n "${2:-}" ]; then
		expect_match "$what: warning" "^keel: warning: not preloading $lib: $2\$" "$err"
	else
		expect_eq "$what: stderr" "" "$err"
	fi
}
copy='^/[a-z/]+/keel\.[0-9a-f]{16}/libkeel\.so$'
what="installed"; preload "^$lib\$"
what="file writable by others"; chmod 666 "$lib"; preload "$copy" "writable by others"
chmod 644 "$lib"
what="file of another user"; chown 1000 "$lib"; preload "$copy" "owned by another user"
chown 0 "$lib"
what="folder others can write in"; chmod 777 "$T/usr/lib"; preload "$copy" "a folder others can write in"
what="sticky folder"; chmod 1777 "$T/usr/lib"; preload "^$lib\$"
chmod 755 "$T/usr/lib"
what="folder of another user"; chown 1000 "$T/usr/lib/keel"; preload "$copy" "owned by another user"
chown 0 "$T/usr/lib/keel"
mv "$lib" "$T/real.so"
what="a link"; ln -s "$T/real.so" "$lib"; preload "$copy" "not a regular file"
rm "$lib"
what="not ELF"; echo "#!/bin/sh" >"$lib"; preload "$copy" "not a shared object for this machine"
mv "$T/real.so" "$lib"
# beside keel comes first
cp "$lib" "$T/usr/bin/libkeel.so"
what="beside keel"; preload "^$T/usr/bin/libkeel.so\$"
exit 0
