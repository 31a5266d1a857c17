#!/usr/bin/env bash
# libkeel.so exports exactly the malloc API, the exec and spawn wrappers
# and unshare, setns and syscall (shim/libkeel.map, shim/preload.c), needs no
# library (no DT_NEEDED: it preloads into glibc and musl programs alike) and
# keeps no text relocations or executable stack.
. "$TESTS/lib.sh"
need nm
need readelf
want=$(sed -n 's/^[[:space:]]*\([a-z_0-9; ]*\);$/\1/p' "$KEEL_TOP/shim/libkeel.map" |
	tr -d ' ' | tr ';' '\n' | grep . | sort)
have=$(nm -D --defined-only "$LIBKEEL" | awk '{print $3}' | sort)
[ -n "$want" ] || fail "could not read the export list"
diff -u <(echo "$want") <(echo "$have") || fail "exports differ from libkeel.map"
readelf -d "$LIBKEEL" | grep -q NEEDED && fail "has DT_NEEDED: $(readelf -d "$LIBKEEL" | grep NEEDED)"
readelf -d "$LIBKEEL" | grep -q TEXTREL && fail "has text relocations"
readelf -lW "$LIBKEEL" | grep GNU_STACK | grep -q RWE && fail "executable stack"
# initial-exec TLS only (no __tls_get_addr: that would need libc)
nm -D "$LIBKEEL" | grep -q __tls_get_addr && fail "uses __tls_get_addr"
echo "$(echo "$have" | wc -l) symbols exported, no DT_NEEDED"
exit 0
