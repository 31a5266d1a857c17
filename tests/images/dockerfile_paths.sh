#!/usr/bin/env bash
# dockerfile_paths: every path the Dockerfiles in images/ COPY or start is
# one the repository holds or the build produces. The build stage's own
# commands are run on a scratch copy of exactly what it COPYs, so a source
# folder missing from the Dockerfile fails here, not in a user's docker build.
set -u
TESTS=${TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
KEEL_TOP=${KEEL_TOP:-$(dirname "$TESTS")}
. "$TESTS/lib.sh"
need python3
need make
need musl-gcc
tmpdir
cd "$KEEL_TOP" || fail "no $KEEL_TOP"
df() { python3 "$TESTS/images/dockerfile.py" "$@"; }

# Images referred to by name, and the Dockerfile that builds each (the tag
# its header tells users to give it).
declare -A image_of=([keel]=images/build/Dockerfile)
for name in "${!image_of[@]}"; do
	grep -q -- "docker build -t $name -f ${image_of[$name]} \." "${image_of[$name]}" ||
		fail "${image_of[$name]} does not say it is built as '$name'"
done

files=(images/*/Dockerfile)
[ ${#files[@]} -ge 2 ] || fail "expected images/build and images/python Dockerfiles"
checked=0

# targets FILE STAGE: the paths COPY puts into that stage
targets() { df "$1" copies "$2" | cut -f3; }

for f in "${files[@]}"; do
	while read -r idx stage _; do
		# COPY sources
		while IFS=$'\t' read -r from src target; do
			checked=$((checked + 1))
			if [ "$from" = - ]; then
				[ -e "$src" ] || fail "$f: COPY $src: not in the repository"
				! git check-ignore -q "$src" 2>/dev/null ||
					fail "$f: COPY $src: git-ignored, not in a clean checkout"
				# .dockerignore (plain paths only) must not hide it
				p=$src
				while [ -f .dockerignore ] && [ "$p" != . ]; do
					! grep -qxF -e "$p" -e "$p/" -e "/$p" .dockerignore ||
						fail "$f: COPY $src: excluded by .dockerignore ($p)"
					p=$(dirname "$p")
				done
				continue
			fi
			# a stage of this file, or an image a Dockerfile here builds
			fbase=$(df "$f" stages | awk -v s="$from" '$2 == s { print $3 }')
			if [ -n "$fbase" ] && [ -n "${image_of[$fbase]:-}" ]; then
				other=${image_of[$fbase]}
				targets "$other" last | grep -qx -- "$src" ||
					fail "$f: COPY --from=$from $src: $other does not put it there"
				echo "$f: $src comes from $other"
			elif df "$f" stages | awk '{ print $2 }' | grep -qx -- "$from"; then
				printf '%s\t%s\t%s\n' "$f" "$from" "$src" >>"$T/from-stage"
			else
				fail "$f: COPY --from=$from: no such stage or known image"
			fi
		done < <(df "$f" copies "$idx")

		# ENTRYPOINT/CMD: absolute paths must be copied in; commands must
		# be installed by the stage (or be in its base image's PATH)
		first=1
		while read -r word; do
			if [[ $word == /* ]]; then
				targets "$f" "$idx" | grep -qx -- "$word" ||
					fail "$f: stage $stage starts $word, which no COPY puts there"
				checked=$((checked + 1))
			elif [ $first = 1 ] || [[ $word =~ ^[a-z][a-z0-9.]*$ && $word != -* ]]; then
				df "$f" runs "$idx" | grep -qw -- "$word" ||
					fail "$f: stage $stage runs '$word', which no RUN installs"
				checked=$((checked + 1))
			fi
			first=0
		done < <(df "$f" argv "$idx")
	done < <(df "$f" stages)
done

# The build stage, carried out: its context COPYs into a scratch folder,
# then its RUN commands (package installation aside: the host has them).
[ -s "$T/from-stage" ] || fail "no COPY --from=<stage> found: where does /keel come from?"
while IFS=$'\t' read -r f stage src; do
	wd=$(df "$f" workdir "$stage")
	ctx=$T/ctx-$stage
	while IFS=$'\t' read -r from csrc target; do
		[ "$from" = - ] || fail "$f: stage $stage copies from $from"
		mkdir -p "$(dirname "$ctx$target")"
		cp -a "$csrc" "$ctx$target"
	done < <(df "$f" copies "$stage")
	if [ ! -e "$ctx/.built" ]; then
		while read -r cmd; do
			[[ $cmd == apt-get* ]] && continue
			echo "$f: stage $stage: RUN $cmd (in a scratch copy)"
			(cd "$ctx$wd" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
				MAKEFLAGS=-j2 sh -c "$cmd") >"$T/build.log" 2>&1 ||
				{ tail -n 20 "$T/build.log"; fail "$f: stage $stage: RUN $cmd failed"; }
		done < <(df "$f" runs "$stage")
		touch "$ctx/.built"
	fi
	out=$ctx$src
	[ -f "$out" ] || fail "$f: stage $stage does not produce $src"
	# what a scratch image can run: a static executable, no interpreter
	readelf -l "$out" 2>/dev/null | grep -q 'Executable file' ||
		fail "$f: $src is not an executable ELF file"
	! readelf -l "$out" | grep -q 'INTERP' ||
		fail "$f: $src is dynamically linked; FROM scratch cannot run it"
	# the same file `make` produces in the tree: build/keel
	rel=${src#"$wd"/}
	[ -f "$KEEL_TOP/$rel" ] || fail "$f: $src is $rel, which make did not produce here"
	if "$KEEL_TOP/$rel" --version >/dev/null 2>&1; then
		expect_eq "$rel --version" "$("$KEEL_TOP/$rel" --version 2>&1)" "$("$out" --version 2>&1)"
	fi
	echo "$f: $src built from the stage's COPYs alone ($(stat -c %s "$out") bytes, static)"
	checked=$((checked + 1))
done <"$T/from-stage"

echo "$checked paths checked"
