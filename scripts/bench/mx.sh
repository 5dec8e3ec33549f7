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
#
# On a machine shared with other jobs one run says little: ROUNDS (default
# 3) repeats every timing, the tools taking turns within each round, and
# the script prints the best and the median wall and CPU time of each, and
# the median of the per-round ratios. adnshost with every query in one
# process (which loses answers) runs in the first round only.
set -euo pipefail
cd "$(dirname "$0")/../.."

n=${1:-10000}
concurrency=${CONCURRENCY:-64}
rounds=${ROUNDS:-3}
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "usage: scripts/bench/mx.sh [N]" >&2; exit 2; }
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "mx.sh: ROUNDS must be a positive number" >&2; exit 2; }
for cmd in nsd adnshost dig go ss /usr/bin/time; do
	command -v "$cmd" >/dev/null || { echo "mx.sh: $cmd not found (nsd, adns-tools, dnsutils, iproute2, time)" >&2; exit 1; }
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
	wait 2>/dev/null || true
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

# run KEY NAME CMD...: time one run; its wall and CPU milliseconds are
# appended to wall[KEY] and cpu[KEY], the wall time also left in $w.
declare -A wall cpu label
keys=()
run() {
	local key=$1 name=$2 u s
	shift 2
	/usr/bin/time -f '%e %U %S' -o "$dir/time" "$@"
	read -r w u s <"$dir/time"
	w=$(echo "$w * 1000 / 1" | bc)
	u=$(echo "($u + $s) * 1000 / 1" | bc)
	[ -n "${label[$key]:-}" ] || keys+=("$key")
	label[$key]=$name
	wall[$key]="${wall[$key]:-} $w"
	cpu[$key]="${cpu[$key]:-} $u"
	printf '  %-34s %6d ms  %8.0f domains/s  CPU %6d ms\n' "$name" "$w" "$(echo "$n * 1000 / $w" | bc -l)" "$u"
}

# best and median of a list of numbers.
best() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -n | head -1; }
median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

split -l 100 "$dir/domains.txt" "$dir/batch."
echo "mx bulk benchmark: $n domains, nsd on $ip:53, $(nproc) CPUs, mailflow --concurrency $concurrency, $rounds rounds"
declare -A ratios
for ((r = 1; r <= rounds; r++)); do
	echo "round $r (load average $(cut -d' ' -f1-3 /proc/loadavg))"
	run full "mailflow mx --file (defaults)" \
		sh -c "'$dir/mailflow' --dns $ip:53 --timeout 2s mx --file '$dir/domains.txt' --concurrency $concurrency --format jsonl >'$dir/full.jsonl'; [ \$? -le 1 ]"
	full_ms=$w
	# adnshost puts every query of a run in flight at once; past a few
	# hundred answers get lost, and it waits out its retransmission timer
	# and gives up on some queries. Batches of 100 queries show its speed
	# without losses.
	run batched "adnshost, 100 queries per run" \
		sh -c "for b in '$dir'/batch.*; do { echo '--type mx'; cat \"\$b\"; } | adnshost --asynch --config 'nameserver $ip' --pipe; done >'$dir/adns-batched.out' 2>>'$dir/adns.err'"
	batched_ms=$w
	got=$(grep -cE '^[0-9]+ [0-9]+ ok 0 ' "$dir/adns-batched.out" || true)
	[ "$got" -eq "$n" ] || { echo "mx.sh: adnshost in batches answered $got of $n queries" >&2; head -3 "$dir/adns.err" >&2; exit 1; }
	run route "mailflow mx --file (routing only)" \
		sh -c "'$dir/mailflow' --dns $ip:53 --timeout 2s mx --file '$dir/domains.txt' --security=false --ptr=false --concurrency $concurrency --format jsonl >'$dir/route.jsonl'; [ \$? -le 1 ]"
	route_ms=$w
	ratios[full]="${ratios[full]:-} $(echo "$full_ms / $batched_ms" | bc -l)"
	ratios[route]="${ratios[route]:-} $(echo "$route_ms / $batched_ms" | bc -l)"
	if [ -n "${BASELINE:-}" ]; then
		run baseline "baseline mx --file (defaults)" \
			sh -c "'$BASELINE' --dns $ip:53 --timeout 2s mx --file '$dir/domains.txt' --concurrency $concurrency --format jsonl >'$dir/baseline.jsonl'; [ \$? -le 1 ]"
		ratios[baseline]="${ratios[baseline]:-} $(echo "$w / $batched_ms" | bc -l)"
	fi
	if [ "$r" -eq 1 ]; then
		# adnshost exits non-zero when queries fail; how many did is
		# counted below.
		run single "adnshost, all queries in one run" \
			sh -c "{ echo '--type mx'; cat '$dir/domains.txt'; } | adnshost --asynch --config 'nameserver $ip' --pipe >'$dir/adns.out' 2>'$dir/adns.err' || true"
		echo "  adnshost in one run answered $(grep -cE '^[0-9]+ [0-9]+ ok 0 ' "$dir/adns.out" || true) of $n queries"
	fi
	# mailflow must have routed every domain.
	for f in full route; do
		got=$(grep -c '"outcome":"mx"' "$dir/$f.jsonl" || true)
		[ "$got" -eq "$n" ] || { echo "mx.sh: mailflow ($f) routed $got of $n domains" >&2; head -3 "$dir/$f.jsonl" >&2; exit 1; }
	done
done

echo "summary over $rounds rounds (milliseconds):"
printf '  %-34s %8s %8s %9s %9s\n' "" "best" "median" "CPU best" "CPU median"
for k in "${keys[@]}"; do
	printf '  %-34s %8d %8.0f %9d %9.0f\n' "${label[$k]}" "$(best "${wall[$k]}")" "$(median "${wall[$k]}")" "$(best "${cpu[$k]}")" "$(median "${cpu[$k]}")"
done
echo "time of mailflow / time of adnshost in batches (below 1: mailflow is faster):"
for k in full route baseline; do
	[ -n "${ratios[$k]:-}" ] || continue
	printf '  %-34s best %.2f, median of rounds %.2f, CPU (medians) %.2f\n' "${label[$k]}" \
		"$(echo "$(best "${wall[$k]}") / $(best "${wall[batched]}")" | bc -l)" "$(median "${ratios[$k]}")" \
		"$(echo "$(median "${cpu[$k]}") / $(median "${cpu[batched]}")" | bc -l)"
done
