# pyalloc.py: an allocation-heavy CPython program for the throughput table:
# objects, dicts, lists, strings and JSON built and dropped in waves, the
# way a web service's request handling churns the heap.
# Usage: python3 pyalloc.py [SCALE]
import json
import random
import sys


class Record:
    __slots__ = ("key", "tags", "payload")

    def __init__(self, key, tags, payload):
        self.key = key
        self.tags = tags
        self.payload = payload


def wave(rng, n):
    recs = []
    for i in range(n):
        tags = {"t%d" % j: rng.random() for j in range(rng.randint(1, 8))}
        recs.append(Record("k%08d" % rng.randrange(1 << 30), tags,
                           "x" * rng.randint(1, 400)))
    index = {r.key: r for r in recs}
    text = json.dumps([{"k": r.key, "t": r.tags} for r in recs[: n // 4]])
    back = json.loads(text)
    words = " ".join(r.payload[:8] for r in recs).split()
    return len(index) + len(back) + len(words)


def main():
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    rng = random.Random(0x6B65656C)
    total = 0
    for _ in range(max(1, int(10 * scale))):
        total += wave(rng, 20000)
    print("checksum %d" % total)


if __name__ == "__main__":
    main()
