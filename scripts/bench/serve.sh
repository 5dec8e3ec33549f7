#!/usr/bin/env bash
# serve.sh [TARGETS] [SECONDS] - load test of mailflow serve as Prometheus
# drives it: Prometheus on loopback scrapes TARGETS tenant domains (default
# 1000) through mailflow's check module (MX route, SMTP with STARTTLS and
# certificate checks, block list, SPF, DMARC) every INTERVAL seconds
# (default 15), for SECONDS (default 600), with MAX_PROBES (default 256)
# probes at once. Every 10 seconds it samples the
# resident memory and Go heap of mailflow serve; at the end it prints the
# memory figures, the probe rate and how the scrapes went, as Prometheus
# saw them. Talks only to 127.0.0.0/8.
#
# The tenants live in scripts/bench/servelab, the built-in lab with
# t1..tN.bench.test added to its DNS: nine in ten have the lab's healthy
# MX, one in ten an MX that is "us" (a loop, so probes fail as in life).
# The samples are kept in $KEEP/samples.csv when KEEP names a directory.
set -euo pipefail
cd "$(dirname "$0")/../.."

n=${1:-1000}
duration=${2:-600}
interval=${INTERVAL:-15}
max_probes=${MAX_PROBES:-256}
usage() { echo "usage: scripts/bench/serve.sh [TARGETS] [SECONDS]" >&2; exit 2; }
[[ $n =~ ^[1-9][0-9]*$ && $duration =~ ^[1-9][0-9]*$ && $interval =~ ^[1-9][0-9]*$ ]] || usage
for cmd in prometheus go curl perl; do
	command -v "$cmd" >/dev/null || { echo "serve.sh: $cmd not found (Debian: prometheus, golang, curl, perl)" >&2; exit 1; }
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/mailflow-bench-serve.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	if [ -n "${KEEP:-}" ]; then cp "$dir"/samples.csv "$dir"/*.log "$KEEP"/ 2>/dev/null || true; fi
	rm -rf "$dir"
}
trap cleanup EXIT

go build -o "$dir/mailflow" ./cmd/mailflow
go build -o "$dir/servelab" ./scripts/bench/servelab
read -r dns_port serve_port prom_port <<<"$(scripts/peers/freeport.pl 3 | xargs)"

# ---- the lab with N tenants ----
"$dir/servelab" -addr "127.0.0.1:$dns_port" -tenants "$n" >"$dir/lab.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q '^ready' "$dir/lab.log" && break; sleep 0.1; done
read -r _ dns smtp_port ca <<<"$(grep '^ready' "$dir/lab.log")" || { echo "serve.sh: the lab did not start:" >&2; cat "$dir/lab.log" >&2; exit 1; }

# ---- mailflow serve ----
cat >"$dir/serve.yaml" <<EOF
modules:
  check:
    command: check
    timeout: 10s
    check:
      port: $smtp_port
      ca_file: $ca
      self: [hub.lab.test]
      zone: [bl.lab.test]
EOF
"$dir/mailflow" --dns "$dns" serve --config "$dir/serve.yaml" --listen "127.0.0.1:$serve_port" --max-probes "$max_probes" >"$dir/serve.log" 2>&1 &
serve_pid=$!
pids+=("$serve_pid")
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$serve_port/-/healthy" >/dev/null && break; sleep 0.1; done

# ---- Prometheus, with the relabeling of docs/prometheus/prometheus.yml ----
{
	cat <<EOF
global:
  scrape_interval: ${interval}s
  scrape_timeout: 10s
scrape_configs:
  - job_name: mailflow_check
    metrics_path: /probe
    params:
      module: [check]
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: 127.0.0.1:$serve_port
    static_configs:
      - targets:
EOF
	for ((i = 1; i <= n; i++)); do printf '          - t%d.bench.test\n' "$i"; done
} >"$dir/prometheus.yml"
prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
	--web.listen-address="127.0.0.1:$prom_port" --log.level=warn >"$dir/prometheus.log" 2>&1 &
pids+=($!)

metric() { curl -fs "http://127.0.0.1:$serve_port/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
query() {
	curl -fs "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$1" |
		perl -MJSON::PP -e 'my $d = decode_json(join "", <STDIN>); my $r = $d->{data}{result}; print @$r ? $r->[0]{value}[1] : "none"'
}
probes() { curl -fs "http://127.0.0.1:$serve_port/metrics" | awk '$1 ~ /^mailflow_exporter_probes_total/ { s += $2 } END { print s + 0 }'; }

echo "serve.sh: $n targets every ${interval}s for ${duration}s; samples every 10s"
echo "elapsed_s,rss_kib,heap_inuse_bytes,goroutines,probes" >"$dir/samples.csv"
start=$SECONDS
while ((SECONDS - start < duration)); do
	sleep 10
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$serve_pid/status")
	printf '%d,%s,%s,%s,%s\n' $((SECONDS - start)) "$rss" "$(metric go_memstats_heap_inuse_bytes)" "$(metric go_goroutines)" "$(probes)" >>"$dir/samples.csv"
done

# ---- figures ----
perl -F, -lane '
	next if $. == 1;
	push @t, $F[0]; push @rss, $F[1]; push @heap, $F[2]; push @p, $F[4];
	END {
		my @warm = map { $rss[$_] } grep { $t[$_] > 60 } 0..$#t;
		my ($lo, $hi) = (0, 0); ($lo, $hi) = ($warm[0], $warm[0]) if @warm;
		for (@warm) { $lo = $_ if $_ < $lo; $hi = $_ if $_ > $hi }
		my @first = grep { $t[$_] > 60 && $t[$_] <= 120 } 0..$#t;
		my @last = grep { $t[$_] > $t[-1] - 60 } 0..$#t;
		my $avg = sub { my $s = 0; $s += $_ for @_; @_ ? $s / @_ : 0 };
		printf "RSS after warm-up (60 s on): min %.1f MiB, max %.1f MiB\n", $lo / 1024, $hi / 1024;
		printf "RSS, minute 2: %.1f MiB; last minute: %.1f MiB\n", $avg->(@rss[@first]) / 1024, $avg->(@rss[@last]) / 1024;
		printf "Go heap in use, minute 2: %.1f MiB; last minute: %.1f MiB\n", $avg->(@heap[@first]) / 1048576, $avg->(@heap[@last]) / 1048576;
		printf "probes: %d in %d s, %.1f per second\n", $p[-1], $t[-1], $p[-1] / $t[-1];
	}' "$dir/samples.csv"
echo "targets up: $(query 'count(up{job="mailflow_check"} == 1)') of $n"
echo "mean scrape duration: $(query 'avg(avg_over_time(scrape_duration_seconds{job="mailflow_check"}[5m]))') s"
echo "probes succeeding now: $(query 'sum(mailflow_probe_success{job="mailflow_check"})') (9 in 10 by design)"
echo "probe errors (overloaded): $(metric 'mailflow_exporter_probe_errors_total{module="check",reason="overloaded"}')"
echo "machine load average at the end (other work included): $(cut -d' ' -f1-3 /proc/loadavg)"
echo "serve CPU: $(awk '{ printf "%.0f s", ($14 + $15) / 100 }' "/proc/$serve_pid/stat") user+system"
