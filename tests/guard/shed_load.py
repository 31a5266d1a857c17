# An app that keeps allocating 1 MiB buffers until MemoryError (ENOMEM from
# the shim under KEEL_ON_LIMIT=fail), sheds its load, and allocates again
# once usage is back below the limit. Used by guard_on_limit_fail.sh and
# images/on_limit_fail.sh (as `python3 -c "$(cat shed_load.py)"`).
import time
keep = []
try:
    while True:
        keep.append(bytearray(b"\1") * (1 << 20))
        time.sleep(0.02)
except MemoryError:
    n = len(keep)
    keep = None
    print("MemoryError after %d MiB" % n, flush=True)
    time.sleep(0.5)
    # below the limit again: growth is allowed once more
    keep = [bytearray(b"\1") * (1 << 20) for i in range(8)]
    print("allocating again: ok", flush=True)
