#!/usr/bin/env bash
# Real programs run under KEEL_SECCOMP=default (and =strict for the first
# two) with the real keel as PID 1 and the shim preloaded: CPython with
# threads and a subprocess, sqlite3 with a transaction, git init/commit/log.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
need python3
need sqlite3
need git
tmpdir
for mode in default strict; do
	out=$(KEEL_SECCOMP=$mode as_pid1 "$KEEL" -- /usr/bin/python3 -c '
import threading, subprocess, json, hashlib
r = []
def work(i): r.append(hashlib.sha256(bytes(100000) * i).hexdigest()[:8])
t = [threading.Thread(target=work, args=(i,)) for i in range(8)]
[x.start() for x in t]; [x.join() for x in t]
print("threads", len(r), subprocess.run(["echo", "sub"], capture_output=True, text=True).stdout.strip())' 2>&1)
	expect_eq "python3 under KEEL_SECCOMP=$mode" "threads 8 sub" "$out"
	out=$(KEEL_SECCOMP=$mode as_pid1 "$KEEL" -- sqlite3 "$T/db-$mode" \
		'create table t(x); begin; insert into t values (1), (2), (3); commit; select sum(x) from t;' 2>&1)
	expect_eq "sqlite3 under KEEL_SECCOMP=$mode" 6 "$out"
done
out=$(KEEL_SECCOMP=default as_pid1 "$KEEL" -- sh -c '
cd "$0" && git init -q repo && cd repo &&
git -c user.name=k -c user.email=k@k commit -q --allow-empty -m one &&
git log --format=%s' "$T" 2>&1)
expect_eq "git under KEEL_SECCOMP=default" one "$out"
exit 0
