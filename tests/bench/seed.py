# seed.py: the production case keel exists for, in Python as it ran:
# bytearray audio buffers appended to per connection, handed through
# queue.Queue(maxsize=20) to worker threads that copy, slice and free them.
# Usage: python3 seed.py SECONDS SAMPLES_FILE [GROUPS]
import os
import queue
import random
import sys
import threading
import time

CONNS = 32
HISTORY = 48
RING = 16
PAGE = os.sysconf("SC_PAGE_SIZE")

live_lock = threading.Lock()
live = [0]
ops = [0]
stop = threading.Event()


def account(delta):
    with live_lock:
        live[0] += delta


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def size_log(rng, lo, hi):
    b = rng.randint(lo.bit_length() - 1, hi.bit_length() - 1)
    return max(lo, min(hi, (1 << b) + rng.randrange(1 << b)))


class Conn:
    def __init__(self, rng):
        self.name = "c" * rng.randint(32, 255)  # long-lived per connection
        self.session = bytearray(rng.randint(1024, 4095))
        self.history = [b""] * HISTORY
        self.next = 0
        self.buf = bytearray()
        self.target = size_log(rng, 8 << 10, 1 << 20)
        account(len(self.name) + len(self.session))

    def close(self):
        account(-(len(self.name) + len(self.session) + len(self.buf) +
                  sum(len(h) for h in self.history)))


def receiver(g, q):
    rng = random.Random(700 + g)
    conns = [Conn(rng) for _ in range(CONNS)]
    frame = bytes(320)
    n = 0
    while not stop.is_set():
        c = conns[rng.randrange(CONNS)]
        chunk = frame * rng.randint(1, 12)  # 10 to 120 ms of audio
        c.buf += chunk
        account(len(chunk))
        n += 1
        if len(c.buf) < c.target:
            continue
        i = c.next % HISTORY
        c.next += 1
        note = b"h" * rng.randint(48, 207)
        account(len(note) - len(c.history[i]))
        c.history[i] = note
        q.put(c.buf)
        c.buf = bytearray()
        c.target = size_log(rng, 8 << 10, 1 << 20)
        if rng.randrange(8) == 0:
            c.close()
            conns[conns.index(c)] = Conn(rng)
    for c in conns:
        c.close()
    with live_lock:
        ops[0] += n
    q.put(None)


def worker(g, q):
    rng = random.Random(800 + g)
    ring = [b""] * RING
    nxt = 0
    while True:
        buf = q.get()
        if buf is None:
            break
        data = bytes(buf)  # the copy out; the bytearray is dropped
        account(len(data) - len(buf))
        del buf
        off = 0
        while off < len(data):
            n = rng.randint(4096, 65535)
            i = nxt % RING
            nxt += 1
            piece = data[off:off + n]
            account(len(piece) - len(ring[i]))
            ring[i] = piece
            off += n
        account(-len(data))
        del data
    account(-sum(len(p) for p in ring))


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    path = sys.argv[2] if len(sys.argv) > 2 else os.devnull
    groups = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    start = time.monotonic()
    threads = []
    for g in range(groups):
        q = queue.Queue(maxsize=20)
        threads.append(threading.Thread(target=worker, args=(g, q)))
        threads.append(threading.Thread(target=receiver, args=(g, q)))
    for t in threads:
        t.start()
    with open(path, "w") as out:
        while True:
            t = time.monotonic() - start
            out.write("%.3f %d %d\n" % (t, rss(), live[0]))
            if t >= seconds:
                break
            time.sleep(0.1)
    stop.set()
    for t in threads:
        t.join()
    print("ops %d seconds %.3f live_end %d" %
          (ops[0], time.monotonic() - start, live[0]))


if __name__ == "__main__":
    main()
