#!/usr/bin/env bash
# shm_full: in real Docker, a /dev/shm the application fills (--shm-size
# 1m here; Docker's default is 64 MiB) and a control file it cuts short
# (the application runs as root, as keel does) end neither the application
# nor keel: each says so in one line and the run's status is the app's.
# Before, both were SIGBUS (status 135): the shim's store to the hole of
# its new statistics file, keel's next store to its truncated control file.
TESTS=${TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS/images/docker-lib"
need_images

out=$(docker run --rm --shm-size 1m -m 256m --memory-swap 256m --network none keel-demo sh -c '
dd if=/dev/zero of=/dev/shm/fill bs=4k 2>/dev/null
python3 -c "x = [bytearray(1000) for _ in range(10000)]; print(\"app ok\")"
exit 3' 2>&1); rc=$?
printf '%s\n' "$out"
expect_eq "status, /dev/shm filled" 3 "$rc"
[[ $out == *"app ok"* ]] || fail "the application did not run to its end"
[[ $out == *"libkeel: warning: unable to write /dev/shm/keel/"*": error 28; statistics not published"* ]] ||
	fail "the shim did not say why it did not publish"

out=$(docker run --rm -m 256m --memory-swap 256m --network none keel-demo sh -c '
: > "$KEEL_STATS_DIR/control"
echo wake > "$KEEL_STATS_DIR/wake"
sleep 0.5
echo alive
exit 3' 2>&1); rc=$?
printf '%s\n' "$out"
expect_eq "status, control cut short" 3 "$rc"
[[ $out == *alive* ]] || fail "the application did not live on"
[[ $out == *"/control was cut short by another process"* ]] ||
	fail "keel did not say its control file was cut short"
exit 0
