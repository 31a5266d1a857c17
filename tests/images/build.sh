#!/usr/bin/env bash
# build: images/build/Dockerfile and images/python/Dockerfile build in a real
# Docker engine the way their headers say (docker build -t keel ..., then
# -t keel-demo), on debian:12 made with debootstrap. The keel image holds
# /keel, static (FROM scratch runs it), the same keel `make` gives, and
# /LICENSE; the demo image starts /keel as uid 1000 in /app.
TESTS=${TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS/images/docker-lib"
need_engine

# the build itself, again: cached layers make it seconds when nothing changed
start=$(now)
out=$("$TESTS/images/engine" images 2>&1); rc=$?
echo "$out"
[ $rc = 77 ] && skip "$(tail -n 1 <<<"$out")"
[ $rc = 0 ] || fail "tests/images/engine images (exit $rc)"
echo "images built in $(elapsed "$start") s"

# keel: the binary and its license, FROM scratch; its CMD prints the help
id=$(docker create keel) || fail "docker create keel"
CONTAINERS+=("$id")
files=$(docker export "$id" | tar -t | grep -v -e '/$' -e '^\.dockerenv$' \
	-e '^etc/\(hostname\|hosts\|mtab\|resolv.conf\)$' -e '^dev/console$')
expect_eq "files in the keel image" "LICENSE
keel" "$files"
docker cp "$id:/keel" "$T/keel" || fail "docker cp /keel"
expect_eq "keel image: --version" "$("$KEEL_BIN" --version 2>&1)" \
	"$(docker run --rm --network none keel --version 2>&1)"
help=$(docker run --rm --network none keel 2>&1) || fail "keel image's CMD --help: exit $?"
expect_match "keel image's CMD (--help)" '^usage: keel ' "$help"
if cmp -s "$T/keel" "$KEEL_BIN"; then
	echo "/keel in the image is byte for byte build/keel ($(stat -c %s "$T/keel") bytes)"
else
	echo "/keel in the image differs from build/keel ($(stat -c %s "$T/keel") and $(stat -c %s "$KEEL_BIN") bytes; the image's Debian packages are newer or older than this machine's)"
fi

# keel-demo: what its Dockerfile says, as Docker recorded it
expect_eq "keel-demo: entrypoint, cmd, user, workdir" \
	'["/keel","--"] ["python3","/app/app.py"] 1000 /app' \
	"$(docker image inspect -f '{{json .Config.Entrypoint}} {{json .Config.Cmd}} {{.Config.User}} {{.Config.WorkingDir}}' keel-demo)"
docker image inspect -f '{{json .Config.Env}}' keel-demo | grep -q '"KEEL_RSS_LIMIT=90%"' ||
	fail "keel-demo has no KEEL_RSS_LIMIT=90%"
expect_eq "keel-demo: /keel is keel's" "$("$KEEL_BIN" --version 2>&1)" \
	"$(docker run --rm --network none --entrypoint /keel keel-demo --version 2>&1)"
docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E '^(keel|keel-demo|debian):'
exit 0
