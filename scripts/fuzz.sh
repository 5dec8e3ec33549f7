#!/usr/bin/env bash
# fuzz.sh [TIME] - run every fuzz target of the module for TIME each
# (default 2s; go's -fuzztime syntax, such as 10s, 1m or 5000x), one after
# another, and fail when any of them finds an input that fails.
#
# The targets are the "func FuzzX(f *testing.F)" of every _test.go file.
# Each package is built once with fuzzing instrumentation (and the
# integration tag, which some targets need; none of them needs the peers)
# and its targets run from the package directory, so each starts from its
# seed corpus: the f.Add values and testdata/fuzz/FuzzX/. What the fuzzer
# learns is kept in go's cache, as go test -fuzz keeps it. A failing input is
# written to testdata/fuzz/FuzzX/ in the package directory and stays there:
# the script prints its path and the command that replays it. Commit it, and
# it becomes part of the seed corpus that every go test run replays.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
	echo "usage: scripts/fuzz.sh [TIME]   (TIME per target, default 2s)"
}

case ${1:-} in
-h | --help)
	usage
	exit 0
	;;
esac
[ $# -le 1 ] || {
	usage >&2
	exit 2
}
fuzztime=${1:-2s}
[[ $fuzztime =~ ^[0-9]+(ms|s|m|h|x)$ ]] || {
	echo "fuzz.sh: TIME \"$fuzztime\" is not a duration such as 2s or a count such as 1000x" >&2
	exit 2
}

bin=$(mktemp -d "${TMPDIR:-/tmp}/mailflow-fuzz.XXXXXX")
trap 'rm -rf "$bin"' EXIT
cache=$(go env GOCACHE)/fuzz
decl='^func (Fuzz[A-Za-z0-9_]*)\(f \*testing\.F\)'

mapfile -t dirs < <(grep -rlE --include='*_test.go' --exclude-dir=testdata --exclude-dir=vendor "$decl" . | xargs -r -n1 dirname | sort -u)
[ ${#dirs[@]} -gt 0 ] || {
	echo "fuzz.sh: no fuzz targets found" >&2
	exit 1
}
failed=()
count=0
for dir in "${dirs[@]}"; do
	pkg=$(go list -tags integration "$dir")
	exe=$bin/${pkg//\//_}.test
	if ! go test -c -tags integration -fuzz . -o "$exe" "$dir"; then
		failed+=("$dir (build)")
		continue
	fi
	mapfile -t targets < <(sed -nE "s/$decl.*/\1/p" "$dir"/*_test.go | sort -u)
	for target in "${targets[@]}"; do
		count=$((count + 1))
		log=$bin/$target.log
		start=$SECONDS
		fuzz() {
			(cd "$dir" && "$exe" -test.run='^$' -test.fuzz="^$target\$" -test.fuzztime="$fuzztime" \
				-test.fuzzcachedir="$cache/$pkg" -test.parallel=2 -test.timeout=10m) >"$log" 2>&1
		}
		if fuzz; then
			printf '  ok    %-28s %-32s %3ds\n' "$target" "${dir#./}" $((SECONDS - start))
			continue
		fi
		# Go's fuzzing engine sometimes fails a run whose time ran out while
		# a worker was still busy ("context deadline exceeded", no failing
		# input): that says nothing about the code, so the target runs once
		# more. A real failure always writes its input.
		if grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input written' "$log" && fuzz; then
			printf '  ok    %-28s %-32s %3ds (run twice: the fuzz engine stalled once)\n' "$target" "${dir#./}" $((SECONDS - start))
			continue
		fi
		printf '  FAIL  %-28s %s\n' "$target" "${dir#./}"
		tail -n 40 "$log" | sed 's/^/        /'
		input=$(sed -n 's/.*Failing input written to \(testdata\/fuzz\/[^ ]*\).*/\1/p' "$log" | tail -n 1)
		if [ -n "$input" ]; then
			echo "        failing input kept in ${dir#./}/$input"
			echo "        replay it: go test -tags integration -run '$target/${input##*/}' ./${dir#./}"
		fi
		failed+=("$target in ${dir#./}")
	done
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz.sh: ${#failed[@]} of $count fuzz targets failed: ${failed[*]}" >&2
	exit 1
fi
echo "fuzz.sh: $count fuzz targets ran $fuzztime each without a failure"
