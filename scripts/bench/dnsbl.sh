#!/usr/bin/env bash
# dnsbl.sh - measure mailflow dnsbl against reference tools, all on loopback:
#   1. latency: one address listed on 20 zones whose server answers after
#      50 ms, mailflow (A on every zone in parallel, then TXT on each zone
#      as soon as its A answer says listed) against rblcheck -t (the same
#      A and TXT queries, one after another);
#   2. throughput: 10,000 addresses on 5 zones of a local rbldnsd, mailflow
#      against adnshost asking what mailflow asks: A for every address on
#      every zone, then TXT only for the names listed (54,225 queries).
#      adnshost runs 100 queries per process: given all 50,000 at once it
#      loses most answers to its own retransmission timer.
# One run each; the numbers go into docs/dnsbl.md (Performance).
#
# Needs root: rblcheck and adnshost only talk to port 53, and rblcheck only
# reads /etc/resolv.conf, which is replaced inside a private mount namespace
# for it alone. Nothing leaves 127.0.0.0/8.
set -euo pipefail
cd "$(dirname "$0")/../.."

die() {
	echo "dnsbl.sh: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root (port 53 and a private /etc/resolv.conf for rblcheck)"
for cmd in go rbldnsd rblcheck adnshost unshare mount ss; do
	command -v "$cmd" >/dev/null || die "missing $cmd (Debian: rbldnsd rblcheck adns-tools util-linux iproute2)"
done

slow_ip=127.0.0.78 # the slow 20-zone server
rbl_ip=127.0.0.79  # rbldnsd for the bulk run
for ip in $slow_ip $rbl_ip; do
	if ss -Hlnu "src $ip:53" | grep -q .; then
		die "$ip:53 is in use"
	fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/mailflow-bench.XXXXXX")
chmod 755 "$work"
pids=()
cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/mailflow" ./cmd/mailflow
go build -o "$work/slowdns" ./scripts/bench/slowdns

# now_ns and secs: wall-clock timing with millisecond output.
now_ns() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }

# wait_port IP: until something answers DNS on IP:53.
wait_port() {
	local i
	for ((i = 0; i < 100; i++)); do
		ss -Hlnu "src $1:53" | grep -q . && return 0
		sleep 0.1
	done
	die "nothing listens on $1:53"
}

echo "== environment"
echo "cpus: $(nproc), $(go version | cut -d' ' -f3), $(rbldnsd -h 2>&1 | head -1 || true)"

echo "== 1. one address, 20 zones, 50 ms per answer"
"$work/slowdns" -addr "$slow_ip:53" -zones 20 -delay 50ms >"$work/slowdns.log" 2>&1 &
pids+=($!)
wait_port $slow_ip
zones=()
rbl_args=()
for i in $(seq 0 19); do
	zones+=(--zone "bl$i.bench.test")
	rbl_args+=(-s "bl$i.bench.test")
done
start=$(now_ns)
rc=0
"$work/mailflow" --dns "$slow_ip:53" dnsbl 127.0.0.2 "${zones[@]}" --rate 0 -o json >"$work/one.json" || rc=$?
end=$(now_ns)
[ "$rc" -eq 1 ] || die "mailflow exited $rc, want 1 (listed); see $work/one.json"
mf_one=$(secs "$start" "$end")
printf 'nameserver %s\noptions timeout:2 attempts:1\n' $slow_ip >"$work/resolv.conf"
start=$(now_ns)
listed=$(unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && shift && exec rblcheck "$@"' _ "$work/resolv.conf" \
	-c -t "${rbl_args[@]}" 127.0.0.2 | grep -c ' listed by ' || true)
end=$(now_ns)
[ "$listed" -eq 20 ] || die "rblcheck saw 127.0.0.2 on $listed of 20 zones"
rbl_one=$(secs "$start" "$end")
echo "mailflow: ${mf_one}s  rblcheck -t: ${rbl_one}s  ratio: $(awk -v a="$rbl_one" -v b="$mf_one" 'BEGIN { printf "%.1f", a / b }')x"

echo "== 2. 10,000 addresses x 5 zones on rbldnsd (A for all, TXT for listings)"
: >"$work/ips.txt"
for i in $(seq 0 9999); do
	echo "10.0.$((i / 256)).$((i % 256))" >>"$work/ips.txt"
done
# shellcheck source=scripts/bench/rbl.sh
. scripts/bench/rbl.sh
rbl_datasets "$work/rbl" "$work/ips.txt"
rbldnsd -n -u nobody -b "$rbl_ip/53" -r "$work/rbl" -w / "${rbldnsd_args[@]}" >"$work/rbldnsd.log" 2>&1 &
pids+=($!)
wait_port $rbl_ip

start=$(now_ns)
rc=0
"$work/mailflow" --dns "$rbl_ip:53" dnsbl --file "$work/ips.txt" "${zone_flags[@]}" --rate 0 --concurrency 64 \
	-o jsonl >"$work/bulk.jsonl" || rc=$?
end=$(now_ns)
[ "$rc" -eq 1 ] || die "mailflow exited $rc, want 1 (some listed); see $work/bulk.jsonl"
records=$(grep -c '"type":"result"' "$work/bulk.jsonl")
[ "$records" -eq 10000 ] || die "mailflow wrote $records results, want 10000"
mf_bulk=$(secs "$start" "$end")

# adns_batches TYPE NAMES OUT: ask TYPE for every name in NAMES, 100 names
# per adnshost process, appending the answers to OUT.
adns_batches() {
	local b
	rm -f "$work"/batch.*
	split -l 100 "$2" "$work/batch."
	for b in "$work"/batch.*; do
		{
			echo "--type $1"
			cat "$b"
		} | adnshost -a -f --config "nameserver $rbl_ip" 2>/dev/null || true
	done >>"$3"
}
awk '{ split($0, o, "."); r = o[4] "." o[3] "." o[2] "." o[1]; for (z = 1; z <= 5; z++) print r ".z" z ".bench.test" }' \
	"$work/ips.txt" >"$work/names.txt"
: >"$work/adns-a.out"
: >"$work/adns-txt.out"
start=$(now_ns)
adns_batches a "$work/names.txt" "$work/adns-a.out"
# A status line "ID NRRS ok ..." with records: the name is listed.
awk '$3 == "ok" && $2 > 0 { print $6 }' "$work/adns-a.out" >"$work/listed.txt"
adns_batches txt "$work/listed.txt" "$work/adns-txt.out"
end=$(now_ns)
adns_bulk=$(secs "$start" "$end")
answered_a=$(grep -cE '^[0-9]+ [0-9]+ (ok|permfail) ' "$work/adns-a.out" || true)
listed=$(wc -l <"$work/listed.txt")
answered_txt=$(grep -cE '^[0-9]+ [1-9][0-9]* ok ' "$work/adns-txt.out" || true)
[ "$answered_a" -eq 50000 ] && [ "$answered_txt" -eq "$listed" ] ||
	die "adnshost answered $answered_a of 50000 A and $answered_txt of $listed TXT queries"
queries=$((50000 + listed))
echo "mailflow: ${mf_bulk}s ($(awk -v q="$queries" -v t="$mf_bulk" 'BEGIN { printf "%.0f", q / t }') queries/s)" \
	" adnshost, 100 per run: ${adns_bulk}s ($(awk -v q="$queries" -v t="$adns_bulk" 'BEGIN { printf "%.0f", q / t }') queries/s;" \
	"50000 A, $listed TXT)"
echo "throughput ratio mailflow/adnshost: $(awk -v a="$adns_bulk" -v b="$mf_bulk" 'BEGIN { printf "%.2f", a / b }')"
