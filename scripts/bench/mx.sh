#!/usr/bin/env bash
# mx.sh [N] - bulk mx benchmark: N domains (default 10000) served by a local
# nsd, resolved once by `mailflow mx --file` and once by adnshost (Debian
# adns-tools) asking the same MX queries in one run. Prints both times and
# the throughput ratio. Talks only to 127.0.0.0/8.
#
# adns always queries port 53, so nsd listens on 127.0.0.15x:53 and the
# script needs root (or CAP_NET_BIND_SERVICE).
#
# Each domain has two MX targets drawn from 50 shared hosts, as a hosting
# provider's tenant domains do. mailflow runs twice: with its defaults
# (MX, A/AAAA, PTR, TLSA, MTA-STS and TLS-RPT per domain, the shared hosts
# coming from its cache) and routing only (--security=false --ptr=false).
# BASELINE=/path/to/older/mailflow also times that binary with the
# defaults, for a before/after figure in the same run.
set -euo pipefail
cd "$(dirname "$0")/../.."

n=${1:-10000}
concurrency=${CONCURRENCY:-64}
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "usage: scripts/bench/mx.sh [N]" >&2; exit 2; }
for cmd in nsd adnshost dig go ss; do
	command -v "$cmd" >/dev/null || { echo "mx.sh: $cmd not found (nsd, adns-tools, dnsutils, iproute2)" >&2; exit 1; }
done

ip=
for i in 153 154 155 156 157 158 159; do
	if ! ss -Hlnu "sport = :53" | grep -q "127.0.0.$i:53"; then ip=127.0.0.$i; break; fi
done
[ -n "$ip" ] || { echo "mx.sh: no free 127.0.0.153-159 port 53" >&2; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/mailflow-bench-mx.XXXXXX")
nsd_pid=
cleanup() {
	[ -z "$nsd_pid" ] || kill "$nsd_pid" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT

# ---- zone ----
{
	printf '$ORIGIN bench.test.\n$TTL 3600\n'
	printf '@ IN SOA ns.bench.test. hostmaster.bench.test. 1 3600 600 86400 300\n@ IN NS ns.bench.test.\nns IN A %s\n' "$ip"
	for ((j = 0; j < 50; j++)); do printf 'mx%d IN A 127.0.41.%d\n' "$j" "$j"; done
	for ((i = 1; i <= n; i++)); do
		printf 'd%d IN MX 10 mx%d\nd%d IN MX 20 mx%d\n' "$i" $((i % 50)) "$i" $(((i + 1) % 50))
	done
} >"$dir/bench.test.zone"
{
	printf '$ORIGIN 41.0.127.in-addr.arpa.\n$TTL 3600\n'
	printf '@ IN SOA ns.bench.test. hostmaster.bench.test. 1 3600 600 86400 300\n@ IN NS ns.bench.test.\n'
	for ((j = 0; j < 50; j++)); do printf '%d IN PTR mx%d.bench.test.\n' "$j" "$j"; done
} >"$dir/41.0.127.in-addr.arpa.zone"
cat >"$dir/nsd.conf" <<CONF
server:
	ip-address: $ip@53
	do-ip6: no
	username: ""
	chroot: ""
	zonesdir: "$dir"
	database: ""
	zonelistfile: "$dir/zone.list"
	xfrdfile: "$dir/xfrd.state"
	xfrdir: "$dir"
	pidfile: "$dir/nsd.pid"
	server-count: 1
	hide-version: yes
	# Response rate limiting would drop most of a benchmark's answers.
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
remote-control:
	control-enable: no
zone:
	name: "bench.test"
	zonefile: "bench.test.zone"
zone:
	name: "41.0.127.in-addr.arpa"
	zonefile: "41.0.127.in-addr.arpa.zone"
CONF
nsd -d -c "$dir/nsd.conf" >"$dir/nsd.log" 2>&1 &
nsd_pid=$!
for ((i = 0; i < 100; i++)); do
	[ "$(dig +short +time=1 +tries=1 @"$ip" d1.bench.test MX 2>/dev/null | wc -l)" -eq 2 ] && break
	kill -0 "$nsd_pid" 2>/dev/null || { cat "$dir/nsd.log" >&2; exit 1; }
	sleep 0.2
done

seq 1 "$n" | sed 's/.*/d&.bench.test/' >"$dir/domains.txt"
go build -o "$dir/mailflow" ./cmd/mailflow

# run NAME CMD...: time one run (wall clock, milliseconds) into $ms.
run() {
	local name=$1 start end
	shift
	start=$(date +%s%N)
	"$@"
	end=$(date +%s%N)
	ms=$(((end - start) / 1000000))
	printf '%-34s %6d ms  %8.0f domains/s\n' "$name" "$ms" "$(echo "$n * 1000 / $ms" | bc -l)"
}

echo "mx bulk benchmark: $n domains, nsd on $ip:53, $(nproc) CPUs, mailflow --concurrency $concurrency"
run "mailflow mx --file (defaults)" \
	sh -c "'$dir/mailflow' --dns $ip:53 --timeout 2s mx --file '$dir/domains.txt' --concurrency $concurrency --format jsonl >'$dir/full.jsonl'; [ \$? -le 1 ]"
full_ms=$ms
if [ -n "${BASELINE:-}" ]; then
	run "baseline mx --file (defaults)" \
		sh -c "'$BASELINE' --dns $ip:53 --timeout 2s mx --file '$dir/domains.txt' --concurrency $concurrency --format jsonl >'$dir/baseline.jsonl'; [ \$? -le 1 ]"
	baseline_ms=$ms
fi
run "mailflow mx --file (routing only)" \
	sh -c "'$dir/mailflow' --dns $ip:53 --timeout 2s mx --file '$dir/domains.txt' --security=false --ptr=false --concurrency $concurrency --format jsonl >'$dir/route.jsonl'; [ \$? -le 1 ]"
route_ms=$ms
# adnshost exits non-zero when queries fail; how many did is counted below.
run "adnshost -a -f -t mx" \
	sh -c "{ echo '--type mx'; cat '$dir/domains.txt'; } | adnshost --asynch --config 'nameserver $ip' --pipe >'$dir/adns.out' 2>'$dir/adns.err' || true"
adns_ms=$ms
# adnshost puts every query of a run in flight at once; past a few hundred
# answers get lost, and it waits out its retransmission timer and gives up
# on some queries. Batches of 100 queries show its speed without losses.
split -l 100 "$dir/domains.txt" "$dir/batch."
run "adnshost, 100 queries per run" \
	sh -c "for b in '$dir'/batch.*; do { echo '--type mx'; cat \"\$b\"; } | adnshost --asynch --config 'nameserver $ip' --pipe; done >'$dir/adns-batched.out' 2>>'$dir/adns.err'"
batched_ms=$ms

# Both tools must have answered every domain.
for f in full route; do
	got=$(grep -c '"outcome":"mx"' "$dir/$f.jsonl" || true)
	[ "$got" -eq "$n" ] || { echo "mx.sh: mailflow ($f) routed $got of $n domains" >&2; head -3 "$dir/$f.jsonl" >&2; exit 1; }
done
got=$(grep -cE '^[0-9]+ [0-9]+ ok 0 ' "$dir/adns-batched.out" || true)
[ "$got" -eq "$n" ] || { echo "mx.sh: adnshost in batches answered $got of $n queries" >&2; head -3 "$dir/adns.err" >&2; exit 1; }
echo "adnshost in one run answered $(grep -cE '^[0-9]+ [0-9]+ ok 0 ' "$dir/adns.out" || true) of $n queries"

ratio() { echo "$1 / $2" | bc -l; }
echo "throughput ratio mailflow/adnshost (above 1: mailflow is faster):"
printf '  vs adnshost in one run:       defaults %.2f, routing only %.2f\n' "$(ratio "$adns_ms" "$full_ms")" "$(ratio "$adns_ms" "$route_ms")"
printf '  vs adnshost 100 per run:      defaults %.2f, routing only %.2f\n' "$(ratio "$batched_ms" "$full_ms")" "$(ratio "$batched_ms" "$route_ms")"
if [ -n "${BASELINE:-}" ]; then
	printf '  baseline vs adnshost 100 per run: defaults %.2f\n' "$(ratio "$batched_ms" "$baseline_ms")"
fi
