#!/usr/bin/env bash
# keel as Docker's own init: a second private dockerd whose daemon.json says
# {"init-path": KEEL}, as a user sets it (or dockerd --init-path). Docker
# bind-mounts that file at /sbin/docker-init and runs `docker-init -- CMD`
# for every `docker run --init`, so an image with no keel in it gets keel as
# PID 1 and its allocator: libkeel.so mapped in the app, the app's exit
# status, `keel stats` by docker exec, SIGTERM forwarded by `docker stop`;
# without --init, no keel.
# The image is a tiny one imported here (dash, cat, sleep, tr and their
# glibc libraries), so the second daemon needs no build and no base image.
TESTS=${TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS/images/docker-lib"
case $KEEL_BIN in /*) ;; *) KEEL_BIN=$KEEL_TOP/$KEEL_BIN ;; esac
[ -x "$KEEL_BIN" ] || fail "$KEEL_BIN: not built"

# The second daemon: its own cache folder (data root, socket, exec root).
cache=$T/engine
mkdir -p "$cache"
engine() {
	env -u KEEL_DOCKER_HOST KEEL_IMAGES_CACHE="$cache" \
		KEEL_DAEMON_JSON="{\"init-path\": \"$KEEL_BIN\"}" \
		"$TESTS/images/engine" "$@"
}
pid=$(engine start); rc=$?
[ $rc = 77 ] && skip "second dockerd: the engine cannot start one here"
[ $rc = 0 ] && [ -n "$pid" ] || fail "second dockerd did not start (exit $rc)"
run_dir=/run/keel-docker.$(printf '%s' "$cache" | md5sum | cut -c1-8)
stop_engine() {
	engine stop "$pid" >/dev/null 2>&1
	rm -rf "$run_dir"
	docker_cleanup
}
trap stop_engine EXIT
eval "$(engine env)"
grep -q '"init-path"' "$run_dir/daemon.json" || fail "daemon.json: $(cat "$run_dir/daemon.json")"

# a root file system of three glibc programs
root=$T/root
for prog in /bin/sh /bin/cat /bin/sleep /usr/bin/tr; do
	for f in "$(readlink -f "$prog")" $(ldd "$prog" | grep -o '/[^ ]*'); do
		install -D -m 0755 "$f" "$root$f"
	done
	[ -e "$root$prog" ] || install -D -m 0755 "$(readlink -f "$prog")" "$root$prog"
done
mkdir -p "$root/proc" "$root/sys" "$root/dev" "$root/sbin" "$root/tmp" "$root/etc"
tar -C "$root" -c . | docker import - keel-test-initpath:1 >/dev/null || fail "docker import"
RUN=(--rm --network none --label org.keel.test=1 -m 256m)

# --init: keel as PID 1 under Docker's name, the allocator in the app
out=$(docker run "${RUN[@]}" --init keel-test-initpath:1 /bin/sh -c '
	echo "version: $(/sbin/docker-init --version)"
	echo "pid1: $(/usr/bin/tr "\\0" " " </proc/1/cmdline)"
	echo "mapped: $(/bin/cat /proc/self/maps | while read -r l; do case $l in *libkeel*) echo yes; break;; esac; done)"
	exit 7' 2>&1); rc=$?
echo "$out"
expect_eq "docker run --init's exit status (the app's 7)" 7 "$rc"
expect_match "docker-init is keel" "version: keel version " "$out"
expect_match "PID 1 runs docker-init -- CMD" "pid1: /sbin/docker-init -- /bin/sh -c " "$out"
expect_match "libkeel.so is mapped in the app's child" "mapped: yes" "$out"
expect_eq "keel's messages" "" "$(grep '^keel' <<<"$out")"

# without --init: no keel, no allocator (the control)
out=$(docker run "${RUN[@]}" keel-test-initpath:1 /bin/sh -c '
	echo "mapped: $(/bin/cat /proc/self/maps | while read -r l; do case $l in *libkeel*) echo yes; break;; esac; done)"' 2>&1)
expect_eq "without --init" "mapped: " "$out"

# docker stop: keel forwards SIGTERM to the app, which dies of it: 143
name=keel-test-$$-initpath
CONTAINERS+=("$name")
docker run -d --name "$name" --network none --label org.keel.test=1 --init \
	keel-test-initpath:1 /bin/sleep 300 >/dev/null || fail "docker run -d --init"
# keel stats through Docker's name for it: it finds this container's keel
out=$(docker exec "$name" /sbin/docker-init stats 2>&1) || fail "docker exec ... /sbin/docker-init stats: exit $?: $out"
echo "$out"
expect_match "keel stats" "PID COMMAND +RSS" "$out"
# (a SIGTERM not forwarded would end in Docker's SIGKILL after 20 s: 137)
docker stop -t 20 "$name" >/dev/null || fail "docker stop"
code=$(docker inspect -f '{{.State.ExitCode}}' "$name")
expect_eq "exit status after docker stop" 143 "$code"
exit 0
