#!/usr/bin/env bash
# dnsbl-bulk.sh [N...] - what a bulk DNSBL run costs per target, against a
# local rbldnsd serving 5 lists (about 10% of the addresses listed on each):
#   1. queries on the wire, counted from rbldnsd's query log: A per list
#      for every address, TXT only for the names that are listed;
#   2. peak memory (max RSS) of `mailflow dnsbl --file --format jsonl` for
#      each N addresses (default 2500 10000 40000), which should stay flat.
# Everything listens on 127.0.0.0/8; rbldnsd runs as nobody on an
# unprivileged port, so root is needed only to drop rbldnsd's privileges.
# BASELINE=/path/to/older/mailflow measures that binary the same way, for
# a before/after figure; CONCURRENCY sets --concurrency (default 8).
set -euo pipefail
cd "$(dirname "$0")/../.."

die() {
	echo "dnsbl-bulk.sh: $*" >&2
	exit 1
}

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(2500 10000 40000)
for n in "${sizes[@]}"; do
	[[ $n =~ ^[1-9][0-9]*$ ]] && [ "$n" -le 65536 ] || die "usage: scripts/bench/dnsbl-bulk.sh [N...] (N up to 65536)"
done
for cmd in go rbldnsd ss /usr/bin/time; do
	command -v "$cmd" >/dev/null || die "missing $cmd (Debian: rbldnsd iproute2 time)"
done
concurrency=${CONCURRENCY:-8}

ip=
for i in 82 83 84 85 86; do
	if ! ss -Hlnu "src 127.0.0.$i:5380" | grep -q .; then ip=127.0.0.$i; break; fi
done
[ -n "$ip" ] || die "no free 127.0.0.82-86 port 5380"

# shellcheck source=scripts/bench/rbl.sh
. scripts/bench/rbl.sh
bench_workdir dnsbl

go build -o "$work/mailflow" ./cmd/mailflow

# The largest list: 10.0.0.0 upwards; smaller runs take a prefix of it.
max=0
for n in "${sizes[@]}"; do [ "$n" -gt "$max" ] && max=$n; done
awk -v n="$max" 'BEGIN { for (i = 0; i < n; i++) printf "10.%d.%d.%d\n", int(i / 65536), int(i / 256) % 256, i % 256 }' >"$work/all.txt"

rbl_datasets "$work/rbl" "$work/all.txt"
# rbldnsd chroots into rbl/ and opens its query log there.
touch "$work/rbl/query.log"
chmod 666 "$work/rbl/query.log"
rbldnsd -n -u nobody -b "$ip/5380" -r "$work/rbl" -w / -l "+/query.log" "${rbldnsd_args[@]}" >"$work/rbldnsd.log" 2>&1 &
server_pid=$!
for ((i = 0; i < 100; i++)); do
	ss -Hlnu "src $ip:5380" | grep -q . && break
	kill -0 "$server_pid" 2>/dev/null || { cat "$work/rbldnsd.log" >&2; die "rbldnsd did not start"; }
	sleep 0.1
done
log="$work/rbl/query.log"

echo "dnsbl bulk benchmark: 5 lists on rbldnsd at $ip:5380, $(nproc) CPUs, --concurrency $concurrency, $(go version | cut -d' ' -f3)"
bins=("$work/mailflow")
[ -z "${BASELINE:-}" ] || bins+=("$BASELINE")
for bin in "${bins[@]}"; do
	[ "$bin" = "$work/mailflow" ] && echo "mailflow (this tree)" || echo "baseline ($bin)"
	printf '%8s %10s %10s %8s %8s %12s %10s\n' targets seconds 'max RSS' A TXT 'TXT unlisted' 'q/target'
	for n in "${sizes[@]}"; do
		head -n "$n" "$work/all.txt" >"$work/ips.txt"
		: >"$log"
		rc=0
		/usr/bin/time -f '%e %M' -o "$work/time" "$bin" --dns "$ip:5380" dnsbl --file "$work/ips.txt" "${zone_flags[@]}" \
			--rate 0 --concurrency "$concurrency" -o jsonl >"$work/out.jsonl" || rc=$?
		[ "$rc" -eq 1 ] || die "$bin exited $rc, want 1 (some listed); see $work/out.jsonl"
		results=$(grep -c '"type":"result"' "$work/out.jsonl")
		[ "$results" -eq "$n" ] || die "$bin wrote $results results, want $n"
		sleep 0.5 # the log is written after the answer
		read -r secs rss < <(tail -n 1 "$work/time")
		# rbldnsd logs "time client name type class: RCODE/answers/size";
		# listed names are those whose A query got an answer.
		a=$(awk '$4 == "A"' "$log" | wc -l)
		txt=$(awk '$4 == "TXT"' "$log" | wc -l)
		txt_unlisted=$(awk '$4 == "A" && $6 ~ /^NOERROR\/[1-9]/ { listed[$3] = 1 } $4 == "TXT" { txt[$3] = 1 } END { n = 0; for (q in txt) if (!(q in listed)) n++; print n }' "$log")
		printf '%8d %10s %7d MB %8d %8d %12d %10.2f\n' "$n" "$secs" $((rss / 1024)) "$a" "$txt" "$txt_unlisted" "$(echo "($a + $txt) / $n" | bc -l)"
	done
done
