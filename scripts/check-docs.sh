#!/usr/bin/env bash
# Fails when docs/man, docs/reference or docs/schema do not match what
# scripts/gendocs generates from the current command tree and Go types,
# listing the files that differ.
# Fix by running: go run ./scripts/gendocs
set -euo pipefail

cd "$(dirname "$0")/.."

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/docs"

go run ./scripts/gendocs -man "$tmp/docs/man" -md "$tmp/docs/reference" -schema "$tmp/docs/schema"

stale=0
for dir in man reference schema; do
	if ! diff -rq "docs/$dir" "$tmp/docs/$dir" >"$tmp/$dir.diff" 2>&1; then
		stale=1
		# Turn diff's wording into one line per file saying what is wrong.
		sed -E \
			-e "s|^Files (docs/[^ ]+) and .* differ$|  changed:  \1|" \
			-e "s|^Only in $tmp/(docs/[^:]+): (.*)$|  missing:  \1/\2|" \
			-e "s|^Only in (docs/[^:]+): (.*)$|  obsolete: \1/\2|" \
			"$tmp/$dir.diff" >&2
	fi
done

if [ "$stale" -ne 0 ]; then
	echo "check-docs: generated docs are out of date; run: go run ./scripts/gendocs" >&2
	exit 1
fi
echo "check-docs: docs/man, docs/reference and docs/schema are current"
