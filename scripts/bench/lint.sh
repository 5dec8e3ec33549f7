#!/usr/bin/env bash
# lint.sh [CONNECTORS] - `mailflow lint` on a large export: CONNECTORS send
# connectors (default 12,000: about 60 MB of Export-Clixml) with the full
# property set, written as Export-Clixml (UTF-8 and, as Windows PowerShell
# 5.1 writes it, UTF-16), ConvertTo-Json and Format-List text by the
# generator in pkg/lint/exportgen_test.go. One in a thousand connectors is
# misconfigured, so the run reads a lot and reports little.
#
# Prints wall time, CPU time (user + system: the steadier figure on a busy
# machine), peak memory (/usr/bin/time -v) and peak memory as a multiple of
# the file size. With BASELINE=/path/to/an/older/mailflow the
# same files go through that binary too, in the same run. Local files only;
# no network.
set -euo pipefail
cd "$(dirname "$0")/../.."

n=${1:-12000}
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "usage: scripts/bench/lint.sh [CONNECTORS]" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "lint.sh: /usr/bin/time not found (apt-get install time)" >&2; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/mailflow-bench-lint.XXXXXX")
trap 'rm -rf "$dir"' EXIT
go build -o "$dir/mailflow" ./cmd/mailflow

declare -A ext=([clixml]=xml [clixml-utf16]=xml [json]=json [format-list]=txt)
formats=(clixml clixml-utf16 json format-list)
for f in "${formats[@]}"; do
	MAILFLOW_LINT_EXPORT="$dir/export-$f.${ext[$f]}" MAILFLOW_LINT_FORMAT=$f MAILFLOW_LINT_CONNECTORS=$n \
		go test -count=1 -run '^TestWriteLargeExport$' ./pkg/lint >/dev/null
done

# run OUT CMD... times one command; prints "seconds cpu_seconds peak_kb exit".
run() {
	local out=$1; shift
	local code=0
	/usr/bin/time -v -o "$dir/time.txt" "$@" >"$out" 2>"$dir/stderr.txt" || code=$?
	awk -F': ' -v code="$code" '/User time|System time/ { cpu += $2 }
		/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i] }
		/Maximum resident set size/ { kb = $2 }
		END { printf "%.2f %.2f %d %d\n", s, cpu, kb, code }' "$dir/time.txt"
}

tools=("mailflow:$dir/mailflow")
[ -n "${BASELINE:-}" ] && tools+=("baseline:$BASELINE")

printf '%-14s %-10s %8s %8s %8s %9s %7s %s\n' format tool file_MB seconds cpu_s peak_MiB "x file" result
for f in "${formats[@]}"; do
	file="$dir/export-$f.${ext[$f]}"
	bytes=$(stat -c %s "$file")
	mib=$(((bytes >> 20) + 1))
	for t in "${tools[@]}"; do
		name=${t%%:*} bin=${t#*:}
		args=(lint --format json "$file")
		# The baseline has no --max-input and refuses files over 64 MiB.
		[ "$name" = mailflow ] && args=(lint --max-input "$mib" --format json "$file")
		read -r sec cpu kb code < <(run "$dir/out.json" "$bin" "${args[@]}")
		if [ "$code" -le 1 ]; then
			result="$(grep -c '"id": "lint\.' "$dir/out.json" || true) findings, exit $code"
		else
			result="exit $code: $(head -c 80 "$dir/stderr.txt")"
		fi
		awk -v f="$f" -v tool="$name" -v bytes="$bytes" -v sec="$sec" -v cpu="$cpu" -v kb="$kb" -v res="$result" \
			'BEGIN { printf "%-14s %-10s %8.1f %8.2f %8.2f %9.1f %7.1f %s\n", f, tool, bytes / 1e6, sec, cpu, kb / 1024, kb * 1024 / bytes, res }'
	done
done
echo "$n send connectors per file; $(nproc) cores"
