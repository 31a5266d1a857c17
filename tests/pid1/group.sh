#!/usr/bin/env bash
# -g (and TINI_KILL_PROCESS_GROUP) forwards to the child's process group;
# without it only the child is signalled. tini itself runs beside keel for
# TINI_KILL_PROCESS_GROUP=0, which both take as on.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
tmpdir
run() {
	rm -f "$T/rec" "$T/rec.ready"
	KEEL_GRACE=0 start_pid1 env "$@" "$H/family" "$T/rec"
	wait_file "$T/rec.ready"
	kill -TERM "$KPID"
	wait "$UPID"
	sort "$T/rec" | tr '\n' ' '
}
expect_eq "child only" "parent TERM " "$(run "$KEEL" --)"
expect_eq "-g" "child TERM parent TERM " "$(run "$KEEL" -g --)"
expect_eq "TINI_KILL_PROCESS_GROUP=1" "child TERM parent TERM " \
	"$(run TINI_KILL_PROCESS_GROUP=1 "$KEEL" --)"
# as in tini, set means on, whatever the value
expect_eq "TINI_KILL_PROCESS_GROUP=0" "child TERM parent TERM " \
	"$(run TINI_KILL_PROCESS_GROUP=0 "$KEEL" --)"
expect_eq "tini, TINI_KILL_PROCESS_GROUP=0" "child TERM parent TERM " \
	"$(run TINI_KILL_PROCESS_GROUP=0 tini --)"
expect_eq "KEEL_KILL_PROCESS_GROUP=0" "parent TERM " \
	"$(run KEEL_KILL_PROCESS_GROUP=0 "$KEEL" --)"
exit 0
