#!/usr/bin/env bash
# Every descendant is shimmed, whatever it does with its descriptors and
# whichever user it becomes: a tree four levels deep, each level Python's
# subprocess.run with close_fds=True (the default), level 2 starting level 3
# as uid 1000 through setpriv, level 4 closing its own descriptors and then
# starting two more children with os.system and posix_spawn. Every process
# must find libkeel in /proc/self/maps, and no ld.so line may appear. Three
# deployments: the one-file keel (no libkeel.so beside it: here it writes a
# private copy), the one-file keel where no file system can hold one (the
# memfd at fd 1023, kept alive by the shim's exec wrappers), and the layout
# `make install DESTDIR=...` makes.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
[ "$(id -u)" = 0 ] || skip "needs root (setpriv to uid 1000)"
need setpriv
PY=/usr/bin/python3
[ -x $PY ] || skip "no $PY"
tmpdir
umask 022
chmod 755 "$T"
mkdir "$T/one"
cp "$KEEL" "$T/one/keel"
cat >"$T/tree.py" <<'PY'
import os, subprocess, sys
level = int(sys.argv[1])
maps = open("/proc/self/maps").read()
lib = "libkeel" if "libkeel" in maps else "NONE"
pre = os.environ.get("LD_PRELOAD", "")
print("level %d uid %d %s %s" % (level, os.getuid(), lib, pre), flush=True)
cmd = [sys.executable, __file__, str(level + 1)]
if level == 2:
    cmd = ["setpriv", "--reuid=1000", "--regid=1000", "--clear-groups"] + cmd
if level < 4:
    subprocess.run(cmd, check=True)
else:
    # a daemon's way: close every inherited descriptor, then start children
    os.closerange(3, 4096)
    probe = 'grep -q libkeel /proc/$$/maps && l=libkeel || l=NONE; echo "level 5 %s $l"'
    if os.system(probe % "system") != 0:
        sys.exit(1)
    subprocess.run(["sh", "-c", probe % "posix_spawn"], close_fds=False,
                   check=True)
PY
# run WHAT PRELOAD CMD...: the tree under CMD; PRELOAD is an extended
# regular expression for the LD_PRELOAD levels 1-4 print
run() {
	local what=$1 want=$2 out rc
	shift 2
	out=$("$@" -- $PY "$T/tree.py" 1 2>"$T/err"); rc=$?
	echo "$what:"; echo "$out" | sed 's/^/  /'
	[ -s "$T/err" ] && sed 's/^/  stderr: /' "$T/err"
	[ $rc = 0 ] || fail "$what: exit $rc"
	grep -q 'ld\.so\|ERROR' "$T/err" && fail "$what: the loader complained: $(head -n 1 "$T/err")"
	for l in "1 uid 0" "2 uid 0" "3 uid 1000" "4 uid 1000"; do
		grep -Eqx "level $l libkeel $want" <<<"$out" ||
			fail "$what: no line 'level $l libkeel $want'"
	done
	for l in "5 system" "5 posix_spawn"; do
		grep -qx "level $l libkeel" <<<"$out" ||
			fail "$what: no line 'level $l libkeel'"
	done
	[ -s "$T/err" ] && fail "$what: stderr not empty"
	return 0
}
run "one-file keel" '/.*' as_pid1 "$T/one/keel"
run "one-file keel, read-only root, /dev/shm noexec" '/proc/self/fd/1023' \
	nofile "$T/one/keel"
make -s -C "$(dirname "$TESTS")" install DESTDIR="$T/inst" >/dev/null || fail "make install"
inst=$(find "$T/inst" -name keel -type f)
lib=$(dirname "$(dirname "$inst")")/lib/keel/libkeel.so
[ -f "$lib" ] || fail "make install put no libkeel.so at $lib"
run "make install" "$lib" as_pid1 "$inst"
exit 0
