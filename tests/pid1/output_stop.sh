#!/usr/bin/env bash
# keel's output never stops PID 1: stderr is shared with the application,
# which can suspend the terminal (tcflow, as Ctrl-S does) or fill a pipe
# nobody drains. keel's warnings then wait at most 20 ms and are dropped,
# reaping goes on, and the next line that gets through counts them.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
need script
[ -x "$H/outstop" ] || fail "$H/outstop missing: run make test-programs"
tmpdir
out=$(timeout 30 script -qec \
	"unshare --pid --fork --mount-proc $KEEL -w -- $H/outstop tty $T/tty" \
	/dev/null </dev/null | tr -d '\r')
expect_eq "reaping with the terminal stopped" reaped "$(cat "$T/tty")"
expect_match "the dropped lines counted" "keel: warning: 2 lines of keel's output dropped" "$out"
expect_match "output again" "keel: warning: reaped zombie" "$out"
# a pipe read only after 3 s
timeout 30 unshare --pid --fork --mount-proc "$KEEL" -w -- \
	"$H/outstop" pipe "$T/pipe" 2>&1 | { sleep 3; cat >/dev/null; }
expect_eq "reaping with stderr full" reaped "$(cat "$T/pipe")"
# keel as the app's user (docker run -t --user 1000): the terminal is
# root's, so keel opens it again as its controlling terminal
user_helper outstop
out=$(timeout 30 script -qec \
	"unshare --pid --fork --mount-proc setpriv --reuid 1000 --regid 1000 --clear-groups $KEEL -w -- $T/outstop tty $T/tty1000" \
	/dev/null </dev/null | tr -d '\r')
expect_eq "reaping with the terminal stopped, as uid 1000" reaped "$(cat "$T/tty1000")"
expect_match "the dropped lines counted, as uid 1000" "keel: warning: 2 lines of keel's output dropped" "$out"
# keel as the app's user with stderr a FIFO of root's, nobody reading it
# for 3 s: keel may not open it again, and splices each line from a pipe
# of its own (the kernel refuses RWF_NOWAIT on a FIFO)
mkfifo -m 600 "$T/fifo"
{ sleep 3; cat >/dev/null; } <"$T/fifo" &
timeout 30 unshare --pid --fork --mount-proc \
	setpriv --reuid 1000 --regid 1000 --clear-groups \
	"$KEEL" -w -- "$T/outstop" pipe "$T/fifo1000" 2>"$T/fifo"
wait
expect_eq "reaping with a FIFO of root's full" reaped "$(cat "$T/fifo1000")"
# ... and with stderr a pipe of root's (docker run --user 1000 without
# -t), which keel splices to as well. strace holds each poll(2) of keel's
# for 600 ms: a keel that polled for room and then wrote would find the
# room taken by then (outstop refill) and block until the pipe is read,
# 5 s on.
need strace
timeout 30 unshare --pid --fork --mount-proc strace -qq -o /dev/null \
	-e trace=poll -e inject=poll:delay_exit=600000 \
	setpriv --reuid 1000 --regid 1000 --clear-groups \
	"$KEEL" -w -- "$T/outstop" refill "$T/refill" 2>&1 |
	{ sleep 1; dd bs=4096 count=1 of=/dev/null status=none; sleep 5
	  cat >"$T/refill.out"; }
expect_eq "reaping while a process refills the pipe keel writes to" reaped "$(cat "$T/refill")"
expect_match "the line written while there was room" "keel: warning: reaped zombie" "$(grep -a -o 'keel: .*' "$T/refill.out")"
# ... and with stderr a FIFO of root's, where the kernel refuses
# RWF_NOWAIT: keel splices each line from a pipe of its own, which fails
# rather than waits when the FIFO is full (a keel that polled, then
# wrote, blocked here until the FIFO was read, 5 s on)
mkfifo -m 600 "$T/fifo2"
{ sleep 1; dd bs=4096 count=1 of=/dev/null status=none; sleep 5
  cat >"$T/refill2.out"; } <"$T/fifo2" &
timeout 30 unshare --pid --fork --mount-proc strace -qq -o /dev/null \
	-e trace=poll -e inject=poll:delay_exit=600000 \
	setpriv --reuid 1000 --regid 1000 --clear-groups \
	"$KEEL" -w -- "$T/outstop" refill "$T/refill2" 2>"$T/fifo2"
wait
expect_eq "reaping while a process refills the FIFO keel writes to" reaped "$(cat "$T/refill2")"
expect_match "the line written to the FIFO while there was room" "keel: warning: reaped zombie" "$(grep -a -o 'keel: .*' "$T/refill2.out")"
# ... and with stderr a socket (a journald stream under systemd) on a
# kernel that refuses RWF_NOWAIT for it (strace makes pwritev2 fail so):
# keel sends each line with MSG_DONTWAIT, which fails rather than waits
# when the socket is full (a keel that polled, then wrote, blocked here
# until the socket was read, 5 s on)
need python3
sock_reader='
import socket, subprocess, sys, time
mine, theirs = socket.socketpair()
p = subprocess.Popen(sys.argv[2:], stderr=theirs.fileno())
theirs.close()
time.sleep(1)
mine.setblocking(False)
try:
    while mine.recv(65536):
        pass
except BlockingIOError:
    pass
time.sleep(5)
mine.setblocking(True)
with open(sys.argv[1], "wb") as out:
    while True:
        d = mine.recv(65536)
        if not d:
            break
        out.write(d)
sys.exit(p.wait())
'
timeout 30 python3 -c "$sock_reader" "$T/refill3.out" \
	unshare --pid --fork --mount-proc strace -qq -o /dev/null \
	-e trace=poll,pwritev2 -e inject=poll:delay_exit=600000 \
	-e inject=pwritev2:error=EOPNOTSUPP \
	"$KEEL" -w -- "$T/outstop" refill "$T/refill3"
expect_eq "reaping while a process refills the socket keel writes to" reaped "$(cat "$T/refill3")"
expect_match "the line sent to the socket while there was room" "keel: warning: reaped zombie" "$(grep -a -o 'keel: .*' "$T/refill3.out")"
