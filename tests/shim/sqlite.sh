#!/usr/bin/env bash
# sqlite3 under libkeel.so: 200,000 rows inserted, indexed, grouped, sorted
# and deleted; the results must match the same script under glibc.
. "$TESTS/lib.sh"
need sqlite3
tmpdir
cat >"$T/script.sql" <<'SQL'
PRAGMA cache_size = -65536;
CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT, v BLOB, n REAL);
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 200000)
INSERT INTO t SELECT i, printf('key-%08d', (i * 7919) % 200000), zeroblob(i % 700) || printf('%.*c', i % 50, 'x'), i * 0.5 FROM c;
CREATE INDEX tk ON t(k);
SELECT count(*), sum(length(v)), total(n) FROM t;
SELECT substr(k, 1, 6), count(*) FROM t GROUP BY substr(k, 1, 6) ORDER BY 1 LIMIT 5;
SELECT k FROM t ORDER BY k DESC LIMIT 3;
SELECT group_concat(id) FROM (SELECT id FROM t WHERE k LIKE 'key-0000%' ORDER BY id LIMIT 20);
DELETE FROM t WHERE id % 3 = 0;
VACUUM;
SELECT count(*), sum(length(v)) FROM t;
SQL
t0=$(date +%s.%N)
a=$(sqlite3 "$T/glibc.db" <"$T/script.sql") || fail "sqlite3 under glibc failed"
t1=$(date +%s.%N)
b=$(LD_PRELOAD=$LIBKEEL sqlite3 "$T/keel.db" <"$T/script.sql") || fail "sqlite3 under keel failed"
t2=$(date +%s.%N)
expect_eq "query results" "$a" "$b"
[ "$(sqlite3 "$T/keel.db" 'PRAGMA integrity_check')" = ok ] || fail "integrity_check"
printf 'sqlite3 (200k rows): glibc %.2f s, keel %.2f s\n' \
	"$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)"
