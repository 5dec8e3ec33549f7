#!/usr/bin/env bash
# dnsbl-concurrency.sh [N] - does raising --concurrency ever make a DNSBL
# run slower? N addresses (default 2000) on 5 zones of a local rbldnsd, run
# by `mailflow dnsbl --file` at --concurrency 8, 16 and 64, one after another
# in the same run. mailflow asks what an MTA asks: A for every address on
# every zone, TXT only where the A answer says listed (about 5.4 queries
# per address here: 10,842 for 2,000). rbldnsd answers from one thread:
# when queries arrive faster than it reads them, its UDP socket buffer
# overflows and the kernel drops them, which is what a busy resolver or
# list server does too. The script prints each run's wall time, the
# datagrams the kernel dropped on rbldnsd's socket, the results that came
# back incomplete (exit 3), and the ratio of each run to the --concurrency
# 8 run, with mailflow's peak resident memory. The figures go into
# docs/performance.md ("Resolver transport and concurrency").
#
# MAILFLOW=path/to/binary measures a given build (for example one built
# from main) instead of building this tree. Talks only to 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/../.."

die() {
	echo "dnsbl-concurrency.sh: $*" >&2
	exit 1
}

n=${1:-2000}
[[ $n =~ ^[1-9][0-9]*$ ]] && [ "$n" -le 65536 ] || die "usage: scripts/bench/dnsbl-concurrency.sh [N], N from 1 to 65536"
for cmd in go rbldnsd perl dig awk /usr/bin/time; do
	command -v "$cmd" >/dev/null || die "missing $cmd (Debian: rbldnsd dnsutils time)"
done

# shellcheck source=scripts/bench/rbl.sh
. scripts/bench/rbl.sh
bench_workdir conc

mailflow=${MAILFLOW:-}
if [ -z "$mailflow" ]; then
	mailflow=$work/mailflow
	go build -o "$mailflow" ./cmd/mailflow
fi

# N addresses, about 10% listed per zone, as in dnsbl.sh.
awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) printf "10.%d.%d.%d\n", int(i / 65536), int(i / 256) % 256, i % 256 }' >"$work/ips.txt"
rbl_datasets "$work/rbl" "$work/ips.txt"

port=$(scripts/peers/freeport.pl 1) || die "no free loopback port"
user=()
[ "$(id -u)" -ne 0 ] || user=(-u nobody)
rbldnsd -n "${user[@]}" -b "127.0.0.1/$port" -r "$work/rbl" -w / "${rbldnsd_args[@]}" >"$work/rbldnsd.log" 2>&1 &
server_pid=$!
for ((i = 0; i < 100; i++)); do
	status=$(dig +norec +time=1 +tries=1 -p "$port" @127.0.0.1 2.0.0.127.z1.bench.test A 2>/dev/null |
		sed -n 's/.*status: \([A-Z]*\).*/\1/p')
	[ "$status" = NOERROR ] && break
	kill -0 "$server_pid" 2>/dev/null || { cat "$work/rbldnsd.log" >&2; die "rbldnsd exited"; }
	sleep 0.1
done
[ "$status" = NOERROR ] || die "rbldnsd does not answer on 127.0.0.1:$port"

# drops: datagrams the kernel dropped on rbldnsd's socket so far (the last
# column of /proc/net/udp; the local port is in hex).
drops() {
	awk -v p="$(printf ':%04X' "$port")" '$2 ~ p"$" { print $NF; exit }' /proc/net/udp
}

echo "dnsbl concurrency benchmark: $n addresses x 5 zones, rbldnsd on 127.0.0.1:$port, $(nproc) CPUs"
echo "mailflow: $("$mailflow" --version)"
printf '%-16s %9s %9s %11s %5s %8s\n' concurrency seconds drops incomplete exit "RSS MB"
declare -A secs
for c in 8 16 64; do
	before=$(drops)
	start=$(date +%s%N)
	rc=0
	/usr/bin/time -f %M -o "$work/rss" "$mailflow" --dns "127.0.0.1:$port" dnsbl --file "$work/ips.txt" "${zone_flags[@]}" --rate 0 \
		--concurrency "$c" -o jsonl >"$work/c$c.jsonl" || rc=$?
	end=$(date +%s%N)
	after=$(drops)
	[ "$rc" -le 3 ] || die "mailflow exited $rc at --concurrency $c"
	got=$(grep -c '"type":"result"' "$work/c$c.jsonl" || true)
	[ "$got" -eq "$n" ] || die "mailflow wrote $got results at --concurrency $c, want $n"
	incomplete=$(grep -c '"verdict":"incomplete"' "$work/c$c.jsonl" || true)
	secs[$c]=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
	rss=$(tail -n 1 "$work/rss")
	printf '%-16s %9s %9d %11d %5d %8d\n' "--concurrency $c" "${secs[$c]}" $((after - before)) "$incomplete" "$rc" $((rss / 1024))
done
awk -v a="${secs[8]}" -v b="${secs[16]}" -v c="${secs[64]}" \
	'BEGIN { printf "ratio to --concurrency 8: 16 %.2fx, 64 %.2fx\n", b / a, c / a }'
