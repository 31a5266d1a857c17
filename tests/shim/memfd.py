#!/usr/bin/python3
# memfd.py exec|spawn PROGRAM ARGS...: runs PROGRAM with libkeel.so ($LIBKEEL)
# preloaded from a sealed memfd at fd 1023, as the one-file keel does when no
# file system can hold a copy. exec: becomes PROGRAM; spawn: starts it as a
# child and waits, keeping fd 1023 (the parent the shim may borrow it from).
# PROGRAM sees the memfd's inode number in KEEL_TEST_MEMFD_INO.
import fcntl
import os
import subprocess
import sys

fd = os.memfd_create("libkeel.so", os.MFD_ALLOW_SEALING)
with open(os.environ["LIBKEEL"], "rb") as f:
    os.write(fd, f.read())
fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW |
            fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SEAL)
os.dup2(fd, 1023, inheritable=True)
os.close(fd)
env = dict(os.environ, LD_PRELOAD="/proc/self/fd/1023",
           KEEL_TEST_MEMFD_INO=str(os.fstat(1023).st_ino))
if sys.argv[1] == "exec":
    os.execve(sys.argv[2], sys.argv[2:], env)
sys.exit(subprocess.run(sys.argv[2:], env=env, pass_fds=(1023,)).returncode)
