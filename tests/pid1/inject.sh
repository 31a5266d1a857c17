#!/usr/bin/env bash
# keel prepends libkeel.so to the child's LD_PRELOAD, keeping the user's
# entries; KEEL_MALLOC=off turns that off; KEEL_MALLOC=/path injects that
# file; KEEL_* shim settings pass through unchanged.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
tmpdir
# keel from build/ finds build/libkeel.so beside it.
out=$(as_pid1 "$KEEL" -- sh -c 'xargs -0 -n1 </proc/$$/environ | grep "^LD_PRELOAD="')
expect_eq "beside keel" "LD_PRELOAD=$(realpath "$LIBKEEL")" "$out"
out=$(LD_PRELOAD=/usr/lib/nothing.so:/x.so as_pid1 "$KEEL" -- printenv LD_PRELOAD 2>/dev/null)
expect_eq "user entries kept" "$(realpath "$LIBKEEL") /usr/lib/nothing.so:/x.so" "$out"
out=$(KEEL_MALLOC=off as_pid1 "$KEEL" -- sh -c 'echo "[${LD_PRELOAD-}]"')
expect_eq "KEEL_MALLOC=off" "[]" "$out"
out=$(KEEL_MALLOC=off LD_PRELOAD=/x.so as_pid1 "$KEEL" -- sh -c 'echo "[${LD_PRELOAD-}]"' 2>/dev/null)
expect_eq "KEEL_MALLOC=off keeps the user's" "[/x.so]" "$out"
cp "$LIBKEEL" "$T/other.so"
out=$(KEEL_MALLOC=$T/other.so as_pid1 "$KEEL" -- printenv LD_PRELOAD)
expect_eq "KEEL_MALLOC=/path" "$T/other.so" "$out"
out=$(KEEL_DECAY_MS=250 KEEL_STATS=on KEEL_RSS_LIMIT=80% as_pid1 "$KEEL" -- \
	sh -c 'echo $KEEL_DECAY_MS $KEEL_STATS $KEEL_RSS_LIMIT' 2>/dev/null)
expect_eq "shim settings pass through" "250 on 80%" "$out"
# A #! script is injected too.
printf '#!/bin/sh\necho "$LD_PRELOAD"\n' >"$T/script"
chmod +x "$T/script"
out=$(as_pid1 "$KEEL" -- "$T/script")
expect_eq "script" "$(realpath "$LIBKEEL")" "$out"
exit 0
