#!/usr/bin/env bash
# preload_tree: the one-file /keel of keel-demo on a read-only root with
# Docker's default noexec /dev/shm. A Python subprocess tree four levels
# deep (close_fds=True, the default), the last level closing its own
# descriptors and starting children with os.system and posix_spawn: every
# process maps libkeel and ld.so says nothing. As root (level 2 switching
# to uid 1000 with setpriv) keel preloads a private copy in /dev, the
# container's own tmpfs; as uid 1000 nothing can hold a file and the
# memfd at fd 1023 survives through the shim's exec wrappers.
TESTS=${TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS/images/docker-lib"
need_images

tree='
import os, subprocess, sys
level = int(sys.argv[1])
lib = "libkeel" if "libkeel" in open("/proc/self/maps").read() else "NONE"
print("level %d uid %d %s %s" % (level, os.getuid(), lib,
      os.environ.get("LD_PRELOAD", "")), flush=True)
cmd = [sys.executable, "-c", os.environ["TREE"], str(level + 1)]
if level == 2 and os.getuid() == 0:
    cmd = ["setpriv", "--reuid=1000", "--regid=1000", "--clear-groups"] + cmd
if level < 4:
    subprocess.run(cmd, check=True)
else:
    os.closerange(3, 4096)
    probe = "grep -q libkeel /proc/$$/maps && l=libkeel || l=NONE; echo level 5 %s $l"
    if os.system(probe % "system"):
        sys.exit(1)
    subprocess.run(["sh", "-c", probe % "posix_spawn"], close_fds=False,
                   check=True)
'
# run WHAT USER PRELOAD_REGEX: the tree in keel-demo as USER
run() {
	local out rc
	out=$(docker run --rm --read-only --network none --user "$2" -e TREE="$tree" \
		keel-demo python3 -c "$tree" 1 2>"$T/err"); rc=$?
	echo "$1:"; echo "$out" | sed 's/^/  /'
	sed 's/^/  stderr: /' "$T/err"
	[ $rc = 0 ] || fail "$1: exit $rc"
	[ -s "$T/err" ] && fail "$1: stderr: $(head -n 1 "$T/err")"
	for l in 1 2 3 4; do
		grep -Eq "^level $l uid [0-9]+ libkeel $3\$" <<<"$out" ||
			fail "$1: level $l: not 'libkeel $3'"
	done
	for l in system posix_spawn; do
		grep -qx "level 5 $l libkeel" <<<"$out" || fail "$1: level 5 $l"
	done
	grep -q '^level 4 uid 1000 ' <<<"$out" || fail "$1: level 4 is not uid 1000"
	return 0
}
run "root, read-only root" 0 '/dev/keel\.[0-9a-f]{16}/libkeel\.so'
run "uid 1000, read-only root" 1000 '/proc/self/fd/1023'
exit 0
