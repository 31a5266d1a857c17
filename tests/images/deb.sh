#!/usr/bin/env bash
# make deb: lintian finds no error or warning in the package (overrides
# say why keel is static and libkeel.so names no libc), and the package
# installs with dpkg -i into debian:12 in Docker: keel from /usr/bin runs as
# the container's PID 1 and preloads the installed /usr/lib/keel/libkeel.so,
# the man page, copyright and the example daemon.json are listed, Docker's
# own configuration is left alone, and dpkg -r removes it all.
TESTS=${TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS/images/docker-lib"
# debian:12 only (tests/images/engine base): no image build needed
need_engine
base=$("$TESTS/images/engine" base 2>&1); rc=$?
[ $rc = 77 ] && skip "$(tail -n 1 <<<"$base")"
[ $rc = 0 ] || fail "tests/images/engine base: $base"
deb=$(make -s -C "$KEEL_TOP" deb) || fail "make deb"
case $deb in /*) ;; *) deb=$KEEL_TOP/$deb ;; esac
[ -f "$deb" ] || fail "make deb printed '$deb', which is no file"
echo "package: ${deb#"$KEEL_TOP"/}, $(stat -c %s "$deb") bytes"
if command -v lintian >/dev/null; then
	out=$(lintian --fail-on error,warning "$deb" 2>&1 | grep -v "running with root privileges"; exit "${PIPESTATUS[0]}") ||
		fail "lintian: $out"
	echo "lintian: ${out:-no hint}"
else
	[ -z "${KEEL_IMAGES_REQUIRED:-}" ] || fail "lintian is not installed (tests/install-deps installs it)"
	echo "lintian is not installed: not run"
fi
cp "$deb" "$T/keel.deb"
chmod 755 "$T"
script='
set -e
dpkg -i /pkg/keel.deb >/dev/null
echo "status: $(dpkg-query -W -f "\${Status} \${Version}" keel)"
dpkg -L keel | grep -E "^/usr/(bin/keel|lib/keel/libkeel.so|share/man/man1/keel.1.gz|share/doc/keel/(copyright|changelog.gz|examples/daemon.json))$" | sed "s/^/file: /"
[ -e /etc/docker/daemon.json ] && echo "docker configured" || echo "docker left alone"
# keel from the package as PID 1 (this shell is PID 1: exec keeps it)
exec keel -- sh -c "echo \"preload: \$LD_PRELOAD\"; grep -c /usr/lib/keel/libkeel.so /proc/self/maps | sed \"s/^/maps: /\"; echo \"pid1: \$(cat /proc/1/comm)\"; exit 5"
'
out=$(docker run --rm --network none --label org.keel.test=1 -m 256m \
	-v "$T:/pkg:ro" debian:12 sh -c "$script" 2>&1); rc=$?
echo "$out"
expect_eq "exit status (the app's 5, through keel)" 5 "$rc"
expect_match "installed" "status: install ok installed [0-9]" "$out"
for f in /usr/bin/keel /usr/lib/keel/libkeel.so /usr/share/man/man1/keel.1.gz \
	 /usr/share/doc/keel/copyright /usr/share/doc/keel/changelog.gz \
	 /usr/share/doc/keel/examples/daemon.json; do
	grep -qx "file: $f" <<<"$out" || fail "the package has no $f"
done
expect_match "Docker's configuration" "docker left alone" "$out"
expect_match "the installed library preloaded" "preload: /usr/lib/keel/libkeel.so($|:)" "$(grep '^preload:' <<<"$out")"
expect_match "the installed library mapped" "maps: [1-9]" "$out"
expect_eq "PID 1" "pid1: keel" "$(grep '^pid1:' <<<"$out")"
expect_eq "keel's messages" "" "$(grep '^keel' <<<"$out")"
# removal leaves nothing of it
out=$(docker run --rm --network none --label org.keel.test=1 -v "$T:/pkg:ro" \
	debian:12 sh -c 'dpkg -i /pkg/keel.deb >/dev/null && dpkg -r keel >/dev/null &&
	ls -d /usr/bin/keel /usr/lib/keel /usr/share/doc/keel 2>/dev/null; echo "removed: $?"' 2>&1)
expect_eq "after dpkg -r" "removed: 2" "$out"
exit 0
