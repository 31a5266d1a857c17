"""demo service: the allocation pattern keel was made for, as a Python service.

Each "connection" thread appends audio frames to a bytearray until a message
is complete, hands it through queue.Queue(maxsize=20) to a worker that copies
it, slices it into pieces and drops it. Under glibc malloc this churn
fragments the heap and RSS climbs; under keel it stays near what is in use.

Environment:
  DEMO_SECONDS      how long to run, 0 = until SIGTERM (default 0)
  DEMO_CONNECTIONS  connection threads (default 8)
  DEMO_EVERY        seconds between RSS lines on stdout (default 5)
"""
import os
import queue
import random
import signal
import sys
import threading
import time

PAGE = os.sysconf("SC_PAGE_SIZE")
FRAME = bytes(320)  # 10 ms of 16 kHz 16-bit mono audio
stop = threading.Event()
stats_lock = threading.Lock()
stats = {"messages": 0, "bytes": 0}


def env_number(name, default, kind=float):
    text = os.environ.get(name, "")
    if text == "":
        return default
    try:
        value = kind(text)
    except ValueError:
        sys.exit("demo: fatal: %s=%s: not a number" % (name, text))
    if value < 0:
        sys.exit("demo: fatal: %s=%s: must not be negative" % (name, text))
    return value


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def connection(n, q):
    """Receives frames for one client: grows a buffer by appends, ships it."""
    rng = random.Random(n)
    keep = [b""] * 32  # a per-connection history, long-lived and small
    i = 0
    while not stop.is_set():
        buf = bytearray()
        target = rng.randint(8 << 10, 512 << 10)
        while len(buf) < target and not stop.is_set():
            buf += FRAME * rng.randint(1, 12)
        keep[i % len(keep)] = bytes(rng.randint(48, 200))
        i += 1
        try:
            q.put(buf, timeout=0.5)
        except queue.Full:
            pass  # a slow consumer drops the message, as a real service would
        del buf


def worker(q):
    """Copies each message out, cuts it into pieces, frees everything."""
    rng = random.Random(-1)
    ring = [b""] * 16
    i = 0
    while True:
        buf = q.get()
        if buf is None:
            return
        data = bytes(buf)
        del buf
        off = 0
        while off < len(data):
            n = rng.randint(4 << 10, 64 << 10)
            ring[i % len(ring)] = data[off:off + n]
            i += 1
            off += n
        with stats_lock:
            stats["messages"] += 1
            stats["bytes"] += len(data)
        del data


def on_sigterm(signum, frame):
    # `docker stop` sends SIGTERM to PID 1; keel forwards it here
    print("demo: SIGTERM, stopping", flush=True)
    stop.set()


def main():
    seconds = env_number("DEMO_SECONDS", 0.0)
    conns = env_number("DEMO_CONNECTIONS", 8, int)
    every = env_number("DEMO_EVERY", 5.0) or 5.0
    signal.signal(signal.SIGTERM, on_sigterm)

    q = queue.Queue(maxsize=20)
    workers = [threading.Thread(target=worker, args=(q,)) for _ in range(2)]
    senders = [threading.Thread(target=connection, args=(n, q))
               for n in range(max(conns, 1))]
    for t in workers + senders:
        t.start()

    start = time.monotonic()
    print("demo: pid %d, %d connections, preload=%s" %
          (os.getpid(), len(senders), os.environ.get("LD_PRELOAD", "")),
          flush=True)
    peak = 0
    while not stop.is_set():
        left = seconds - (time.monotonic() - start) if seconds else every
        if left <= 0:
            break
        stop.wait(min(every, left))
        rss = rss_bytes()
        peak = max(peak, rss)
        with stats_lock:
            m, b = stats["messages"], stats["bytes"]
        print("demo: t=%.0fs rss=%.1f MiB messages=%d moved=%.0f MiB" %
              (time.monotonic() - start, rss / 2**20, m, b / 2**20),
              flush=True)
    stop.set()
    for t in senders:
        t.join()
    for _ in workers:
        q.put(None)
    for t in workers:
        t.join()
    print("demo: done after %.0fs, %d messages, peak rss=%.1f MiB" %
          (time.monotonic() - start, stats["messages"], peak / 2**20),
          flush=True)


if __name__ == "__main__":
    main()
