# An unprivileged app that attacks keel's statistics folder (run as uid
# 1000 under a root keel, see hostile.sh): everything it can create or
# write there, while it crosses the guard's soft limit again and again.
#   hostile.py DIR SECONDS ROOTPID
import os, random, struct, sys, threading, time

d, seconds, rootpid = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
me = os.getpid()
end = time.time() + seconds
SIZE = 2416  # sizeof(struct keel_heap_stats), checked below
stop = False


def name(pid):
    return "%d.%x" % (pid, random.getrandbits(64))


def plant_once():
    # names a reader might take for statistics files, of live processes
    for pid in (1, rootpid, me):
        os.mkfifo(os.path.join(d, name(pid)))
        os.symlink("/proc/1/mem", os.path.join(d, name(pid)))
        os.symlink("/etc/shadow", os.path.join(d, name(pid)))
        with open(os.path.join(d, name(pid)), "wb") as f:
            f.truncate(16 << 30)  # sparse, 16 GiB
        with open(os.path.join(d, name(pid)), "wb") as f:
            f.write(os.urandom(SIZE))
    # ten thousand entries: names of dead pids, junk names, empty files
    for i in range(10000):
        n = name(random.randrange(2, 1 << 22)) if i % 2 else "junk%d" % i
        open(os.path.join(d, n), "wb").close()


def legit_files():
    out = []
    for n in os.listdir(d):
        p = os.path.join(d, n)
        try:
            if os.path.isfile(p) and not os.path.islink(p) and \
               os.path.getsize(p) == SIZE and os.stat(p).st_uid != 1000:
                out.append(p)
        except OSError:
            pass
    return out


def spoof_and_flap():
    """Copies of root's files under root's pid with huge figures (spoof),
    and copies whose sequence stays odd while they are truncated and
    written again (flap)."""
    flaps = []
    while not stop:
        for p in legit_files()[:4]:
            try:
                data = bytearray(open(p, "rb").read())
            except OSError:
                continue
            if len(data) != SIZE:
                continue
            pid = struct.unpack_from("<I", data, 24)[0]
            fake = bytearray(data)
            struct.pack_into("<QQQ", fake, 56, 1 << 40, 1 << 40, 1 << 40)
            with open(os.path.join(d, name(pid)), "wb") as f:
                f.write(fake)
            fd = os.open(os.path.join(d, name(pid)),
                         os.O_RDWR | os.O_CREAT, 0o644)
            flaps.append((fd, data))
        for fd, data in flaps[-16:]:
            struct.pack_into("<Q", data, 16, 1)  # seq odd
            os.ftruncate(fd, 0)
            os.pwrite(fd, bytes(data[:64]), 0)
            os.ftruncate(fd, SIZE)
            os.pwrite(fd, bytes(data), 0)
        time.sleep(0.001)


def grow_and_shrink():
    """Cross the soft limit in 4 MiB steps, fall back, again."""
    while not stop:
        hold = []
        for _ in range(40):
            hold.append(bytearray(4 << 20))
            time.sleep(0.005)
        del hold
        time.sleep(0.2)


assert SIZE == 8 + 4 + 4 + 8 + 4 + 4 + 8 * 9 + 4 + 4 + 96 * 24
plant_once()
print("planted", flush=True)
threads = [threading.Thread(target=f) for f in (spoof_and_flap, grow_and_shrink)]
for t in threads:
    t.start()
while time.time() < end:
    time.sleep(0.1)
stop = True
for t in threads:
    t.join()
print("attacker done", flush=True)
