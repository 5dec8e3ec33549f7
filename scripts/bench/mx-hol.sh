#!/usr/bin/env bash
# mx-hol.sh [N] - head-of-line blocking in a bulk mx run: N domains
# (default 5000) of which 20% never answer their MX query and 30% answer
# late, served by slowdns on loopback. The same list is checked twice by
# `mailflow mx --file`: with the dead domains spread through it (every
# 100 domains, the first 20) and with them sorted last. A run that keeps
# every worker busy takes about as long either way; one that waits behind
# a dead domain near the front takes far longer spread.
#
# BASELINE=/path/to/older/mailflow runs that binary the same way, for a
# before/after figure. DEAD, SLOW, SLOW_DELAY, TIMEOUT, RETRIES and
# CONCURRENCY change the scenario.
set -euo pipefail
cd "$(dirname "$0")/../.."

n=${1:-5000}
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "usage: scripts/bench/mx-hol.sh [N]" >&2; exit 2; }
dead=${DEAD:-20}
slow=${SLOW:-30}
slow_delay=${SLOW_DELAY:-500ms}
timeout=${TIMEOUT:-1s}
retries=${RETRIES:-1}
concurrency=${CONCURRENCY:-32}

# shellcheck source=scripts/bench/rbl.sh
. scripts/bench/rbl.sh
bench_workdir hol

go build -o "$work/mailflow" ./cmd/mailflow
go build -o "$work/slowdns" ./scripts/bench/slowdns
"$work/slowdns" -addr 127.0.0.1:0 -mx "$n" -dead "$dead" -slow "$slow" -slow-delay "$slow_delay" >"$work/slowdns.out" 2>&1 &
server_pid=$!
for ((i = 0; i < 100; i++)); do
	addr=$(sed -n 's/^ready //p' "$work/slowdns.out")
	[ -n "$addr" ] && break
	kill -0 "$server_pid" 2>/dev/null || { cat "$work/slowdns.out" >&2; exit 1; }
	sleep 0.1
done
[ -n "$addr" ] || { echo "mx-hol.sh: slowdns did not start" >&2; exit 1; }

# The list in domain order (dead ones spread), and with the dead ones last.
seq 1 "$n" | awk '{ print "d" $1 ".mx.bench.test" }' >"$work/spread.txt"
seq 1 "$n" | awk -v d="$dead" '{ if ($1 % 100 < d) last = last "d" $1 ".mx.bench.test\n"; else print "d" $1 ".mx.bench.test" } END { printf "%s", last }' >"$work/last.txt"

# run BINARY LIST: time one run in milliseconds into $ms and check that
# every domain got its record.
run() {
	local bin=$1 list=$2 start end rc=0
	start=$(date +%s%N)
	"$bin" --dns "$addr" --timeout "$timeout" --retries "$retries" mx --file "$list" --concurrency "$concurrency" \
		--format jsonl >"$work/out.jsonl" || rc=$?
	end=$(date +%s%N)
	ms=$(((end - start) / 1000000))
	[ "$rc" -le 3 ] || { echo "mx-hol.sh: $bin exited $rc" >&2; exit 1; }
	local got
	got=$(grep -c '"outcome"' "$work/out.jsonl" || true)
	[ "$got" -eq "$n" ] || { echo "mx-hol.sh: $bin wrote $got of $n domains" >&2; exit 1; }
}

echo "mx head-of-line benchmark: $n domains, ${dead}% never answer, ${slow}% answer after $slow_delay;"
echo "--timeout $timeout --retries $retries --concurrency $concurrency, $(nproc) CPUs"
bins=("$work/mailflow")
[ -z "${BASELINE:-}" ] || bins+=("$BASELINE")
for bin in "${bins[@]}"; do
	name=mailflow
	[ "$bin" = "$work/mailflow" ] || name="baseline ($BASELINE)"
	run "$bin" "$work/last.txt"
	last=$ms
	run "$bin" "$work/spread.txt"
	spread=$ms
	reordered=$(grep -o '"reordered":[0-9]*' "$work/out.jsonl" | cut -d: -f2 || true)
	printf '%-40s dead last %7d ms   dead spread %7d ms   ratio %.2f   reordered %s\n' \
		"$name" "$last" "$spread" "$(echo "$spread / $last" | bc -l)" "${reordered:-0}"
done
