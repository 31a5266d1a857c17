#!/usr/bin/env bash
# idle_threads: the caches of sleeping threads go back in a real container,
# under Docker's default seccomp profile (membarrier allowed since 20.10:
# without it keel leaves them). The demo image, run as users run it; a
# Python app's 40 threads each make and drop ~600 KiB of 1-3 KiB bytes
# objects (keel's blocks, not Python's small-object arenas), then wait.
# Their caches held ~18 MiB for good before; the purger empties them once
# idle for KEEL_DECAY_MS (200 ms here).
TESTS=${TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS/images/docker-lib"
need_images

app='
import threading, time
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
ready, go = threading.Barrier(41), threading.Event()
def work(i):
    junk = [bytes(1024 + (j * 37 + i) % 2048) for j in range(300)]
    del junk
    ready.wait()
    go.wait()
base = rss()
threads = [threading.Thread(target=work, args=(i,)) for i in range(40)]
for t in threads:
    t.start()
ready.wait()
full = rss()
time.sleep(2)
print("idle_threads: base %d full %d after %d" % (base, full, rss()), flush=True)
go.set()
for t in threads:
    t.join()'
out=$(docker run --rm "${USER_RUN[@]}" -e KEEL_DECAY_MS=200 \
	--entrypoint /keel keel-demo -- python3 -c "$app" 2>&1) ||
	fail "docker run: exit $?: $out"
echo "$out"
read -r _ _ base _ full _ after <<<"$(grep '^idle_threads:' <<<"$out")"
[ -n "$after" ] || fail "no measurement: $out"
[ $((full - base)) -ge 8000 ] ||
	fail "the threads' caches did not fill: $base -> $full KiB"
[ $((after - base)) -le $(((full - base) / 3)) ] ||
	fail "RSS $after KiB 2 s after the threads went idle ($full full, base $base): their caches stayed"
