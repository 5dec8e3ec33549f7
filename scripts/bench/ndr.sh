#!/usr/bin/env bash
# ndr.sh [MB] - bounce-parsing benchmark: `mailflow ndr --format jsonl` and
# Debian's Sisimai (libsisimai-perl) over the same messages in one run:
#   1. the training corpus (174 messages) as an mbox,
#   2. an mbox of about MB megabytes (default 100) built by repeating it.
# mailflow runs on one core (GOMAXPROCS=1 --workers 1) and on all cores.
# Prints wall time, throughput, peak memory (/usr/bin/time -v) and the
# ratio to Sisimai. Reads local files only; no network.
set -euo pipefail
cd "$(dirname "$0")/../.."

mb=${1:-100}
[[ $mb =~ ^[1-9][0-9]*$ ]] || { echo "usage: scripts/bench/ndr.sh [MB]" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "ndr.sh: /usr/bin/time not found (apt-get install time)" >&2; exit 1; }
perl -MSisimai -e 1 2>/dev/null || { echo "ndr.sh: Sisimai not found (apt-get install libsisimai-perl)" >&2; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/mailflow-bench-ndr.XXXXXX")
trap 'rm -rf "$dir"' EXIT
go build -o "$dir/mailflow" ./cmd/mailflow

# mboxrd: an envelope line per message, a blank line after it, and body
# lines starting with "From " quoted with '>'.
for f in pkg/ndr/testdata/corpus/*.eml; do
	tr -d '\r' <"$f" | perl -ne 'if ($. == 1 && /^From /) { next } s/^(>*From )/>$1/; print; END { print "\n" }' |
		{ echo "From MAILER-DAEMON Thu Jan  1 00:00:00 2024"; cat; echo; }
done >"$dir/train.mbox"
train_bytes=$(stat -c %s "$dir/train.mbox")
: >"$dir/big.mbox"
while [ "$(stat -c %s "$dir/big.mbox")" -lt $((mb * 1000000)) ]; do cat "$dir/train.mbox" >>"$dir/big.mbox"; done

sisimai='my $v = Sisimai->make($ARGV[0], delivered => 1); print scalar(@{ $v || [] }), "\n"'

# run NAME OUT CMD... times one command; prints "seconds peak_kb".
run() {
	local out=$1; shift
	/usr/bin/time -v -o "$dir/time.txt" "$@" >"$out"
	awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; printf "%.2f ", s }
		/Maximum resident set size/ { printf "%d\n", $2 }' "$dir/time.txt"
}

printf '%-10s %-22s %8s %9s %10s %8s %s\n' dataset tool seconds MB/s peak_MiB "x Sisimai" records
for set in train big; do
	file="$dir/$set.mbox"
	bytes=$(stat -c %s "$file")
	read -r s_sec s_kb < <(run "$dir/sisimai.out" perl -MSisimai -e "$sisimai" "$file")
	s_rec=$(cat "$dir/sisimai.out")
	line() { # tool seconds kb records
		awk -v set="$set" -v tool="$1" -v sec="$2" -v kb="$3" -v bytes="$bytes" -v ref="$s_sec" -v rec="$4" \
			'BEGIN { if (sec < 0.01) sec = 0.01; printf "%-10s %-22s %8.2f %9.1f %10.1f %8.1f %s\n", set, tool, sec, bytes / sec / 1e6, kb / 1024, ref / sec, rec }'
	}
	line "sisimai $(perl -MSisimai -e 'print $Sisimai::VERSION')" "$s_sec" "$s_kb" "$s_rec results"
	read -r sec kb < <(GOMAXPROCS=1 run "$dir/one.jsonl" "$dir/mailflow" ndr --format jsonl --workers 1 "$file")
	line "mailflow, 1 core" "$sec" "$kb" "$(wc -l <"$dir/one.jsonl") messages"
	read -r sec kb < <(run "$dir/all.jsonl" "$dir/mailflow" ndr --format jsonl "$file")
	line "mailflow, $(nproc) cores" "$sec" "$kb" "$(wc -l <"$dir/all.jsonl") messages"
	cmp -s "$dir/one.jsonl" "$dir/all.jsonl" || echo "ndr.sh: output differs between 1 and $(nproc) cores" >&2
done
echo "train.mbox: $train_bytes bytes; big.mbox: $(stat -c %s "$dir/big.mbox") bytes"
