#!/usr/bin/env bash
# Every command transcript and keel message quoted in README.md and docs/
# is what the real build/keel prints (tests/docs/quoted), and the check
# notices a doc that says otherwise; README's Dockerfile lines are those of
# the example image the image tests build.
. "$TESTS/lib.sh"
tmpdir
root=$(cd "$TESTS/.." && pwd)
case $KEEL_BIN in /*) ;; *) KEEL_BIN=$root/$KEEL_BIN ;; esac
export KEEL_BIN
out=$("$root/tests/docs/quoted" "$root" 2>&1) || fail "$out"
expect_match "checked" "^docs: [1-9][0-9]* quoted commands and messages checked, 0 differ" "$out"
# README's Dockerfile lines are the ones images/python/Dockerfile uses
# (which the image tests build and run), and its docker build command is
# one an images/ Dockerfile's header gives (which tests/images/engine runs)
lines=$(awk '/^```dockerfile$/ { on = 1; next } /^```$/ { on = 0 } on' "$root/README.md")
[ -n "$lines" ] || fail "README.md has no dockerfile block"
while IFS= read -r line; do
	case $line in COPY*|ENTRYPOINT*) ;; *) continue ;; esac
	grep -qxF -- "$line" "$root/images/python/Dockerfile" ||
		fail "README's '$line' is not in images/python/Dockerfile"
done <<<"$lines"
build=$(grep -m1 '^docker build ' "$root/README.md") || fail "README.md has no docker build line"
grep -qxF -- "#   $build" "$root"/images/*/Dockerfile ||
	fail "README's '$build' is not an images/ Dockerfile's build command"
# a copy with one quoted message, one transcript output, one format string,
# one keel stats argument and one stats header changed: each is caught, by
# file and line
cp "$root/README.md" "$T/"
mkdir "$T/docs"
cp "$root"/docs/*.md "$T/docs/"
sed -i 's/not an accepted value (accepted: off|default|strict)/not a seccomp mode (accepted: off, default, strict)/' "$T/docs/seccomp.md"
sed -i 's/^keel: fatal: KEEL_RSS_LIMIT=12Q: not a size/keel: fatal: KEEL_RSS_LIMIT=12Q: no size/' "$T/README.md"
sed -i 's/defines its own malloc: not injecting/defines its own malloc: not preloading/' "$T/docs/troubleshooting.md"
sed -i 's/keel stats --json/keel stats --jsn/' "$T/docs/kubernetes.md"
sed -i "0,/^    PID COMMAND    /s//    PID COMMAND   /" "$T/docs/memory-guard.md"
out=$("$root/tests/docs/quoted" "$T" 2>&1) && fail "changed docs passed: $out"
expect_match "kubernetes.md caught" "docs/kubernetes.md:[0-9]+: .keel stats --jsn. exits 2" "$out"
expect_match "seccomp.md caught" "docs/seccomp.md:[0-9]+: " "$out"
expect_match "README.md caught" "README.md:[0-9]+: " "$out"
expect_match "troubleshooting.md caught" "docs/troubleshooting.md:[0-9]+: " "$out"
expect_match "memory-guard.md's stats table caught" "docs/memory-guard.md:[0-9]+: PID COMMAND .*"$'\n'"  keel stats prints the headers" "$out"
expect_match "count" "5 differ from the binary" "$out"
exit 0
