#!/usr/bin/env bash
# KEEL_MALLOC as people copy it from an old LD_PRELOAD: the sonames of
# Debian's jemalloc, mimalloc and tcmalloc, a path, or none. The real
# child maps the library named and not libkeel.so; none and off preload
# nothing; -v says which features are then off; a soname that no library
# folder holds stops keel with one line and exit 2 before anything starts.
. "$TESTS/lib.sh"; . "$TESTS/pid1/common.bash"
tmpdir
# the shared objects the child's shell has mapped, one file name a line
maps='sed -n "s|.*/||p" /proc/$$/maps | grep "\.so" | sort -u'

for lib in libjemalloc.so.2 libmimalloc.so.2 libtcmalloc_minimal.so.4; do
	for form in variable flag; do
		if [ $form = variable ]; then
			out=$(KEEL_MALLOC=$lib as_pid1 "$KEEL" -v -- sh -c "$maps" 2>"$T/err")
		else
			out=$(as_pid1 "$KEEL" -v --malloc "$lib" -- sh -c "$maps" 2>"$T/err")
		fi
		rc=$?
		[ $rc = 77 ] && skip "$lib"
		expect_eq "$lib ($form): keel status" 0 "$rc"
		grep -qx "${lib%%.so*}.so[.0-9]*" <<<"$out" ||
			fail "$lib ($form): not mapped in the child: $out $(cat "$T/err")"
		! grep -q libkeel <<<"$out" ||
			fail "$lib ($form): libkeel.so is mapped too: $out"
		expect_match "$lib ($form): -v says the shim's features are off" \
			"^keel: info: (KEEL_MALLOC=|--malloc )$lib: preloading /.*/$lib; keel's allocator features .* are off" \
			"$(cat "$T/err")"
	done
done

# a path, as the docs have always taken
path=$(ls /usr/lib/*/libjemalloc.so.2 /usr/lib/libjemalloc.so.2 2>/dev/null | head -n1)
[ -n "$path" ] || skip "libjemalloc2 is not installed"
out=$(KEEL_MALLOC=$path as_pid1 "$KEEL" -- sh -c "$maps")
grep -q '^libjemalloc\.so\.2$' <<<"$out" || fail "path: jemalloc not mapped: $out"

# LD_LIBRARY_PATH is searched first, as the child's loader searches it
mkdir "$T/lib" && cp "$path" "$T/lib/libmyalloc.so.1"
out=$(LD_LIBRARY_PATH=$T/lib KEEL_MALLOC=libmyalloc.so.1 as_pid1 "$KEEL" -- sh -c "$maps")
grep -q '^libmyalloc\.so\.1$' <<<"$out" || fail "LD_LIBRARY_PATH: not mapped: $out"

# none and off: nothing preloaded, keel's nor anyone's
for v in none NONE off; do
	out=$(KEEL_MALLOC=$v as_pid1 "$KEEL" -v -- sh -c 'echo "[${LD_PRELOAD-}]"; '"$maps" 2>"$T/err")
	expect_eq "KEEL_MALLOC=$v: LD_PRELOAD" "[]" "$(head -n1 <<<"$out")"
	! grep -q 'libkeel\|jemalloc' <<<"$out" || fail "KEEL_MALLOC=$v: $out"
	expect_match "KEEL_MALLOC=$v at -v" \
		"^keel: info: KEEL_MALLOC=$v: no allocator preloaded; keel's allocator features" \
		"$(cat "$T/err")"
done

# a soname no folder holds: one line, the user's own words, exit 2
out=$(KEEL_MALLOC=libnosuch.so.9 as_pid1 "$KEEL" -- sh -c 'echo started' 2>&1); rc=$?
expect_eq "missing soname: status" 2 "$rc"
expect_match "missing soname: one line" \
	"^keel: fatal: KEEL_MALLOC=libnosuch.so.9: no such library in LD_LIBRARY_PATH or the usual library folders \(accepted: .*soname\)$" \
	"$out"
out=$(as_pid1 "$KEEL" --malloc libnosuch.so.9 -- true 2>&1)
expect_match "missing soname as a flag" "^keel: fatal: --malloc libnosuch.so.9: " "$out"
exit 0
