#!/usr/bin/env bash
# docs/configuration.md and docs/keel.1 match the option table in keel, and
# the check notices drift; keel -l prints the LICENSE file it carries.
. "$TESTS/lib.sh"
tmpdir
root=$(cd "$TESTS/.." && pwd)
case $KEEL_BIN in /*) ;; *) KEEL_BIN=$root/$KEEL_BIN ;; esac
KEEL_BIN=$KEEL_BIN "$root/tests/docs/generate" --check || fail "docs drift"
# Drift is caught: a copy of the tree with one doc line changed.
mkdir -p "$T/tests/docs" "$T/docs"
cp "$root/tests/docs/generate" "$root/tests/docs/keel.1.in" "$T/tests/docs/"
cp "$root/docs/configuration.md" "$root/docs/keel.1" "$T/docs/"
sed -i 's/KEEL_GRACE/KEEL_GRACEFUL/' "$T/docs/configuration.md"
KEEL_BIN=$KEEL_BIN "$T/tests/docs/generate" --check 2>/dev/null &&
	fail "a changed doc passed the check"
out=$("$KEEL_BIN" -l) || fail "keel -l: exit $?"
expect_eq "keel -l" "$(cat "$root/LICENSE")" "$out"
exit 0
