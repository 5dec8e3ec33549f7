#!/usr/bin/env bash
# smtp.sh [N] - SMTP session benchmark, talking only to 127.0.0.0/8.
#
# 1. The same session against the local "good" Postfix peer (scripts/peers):
#    EHLO, STARTTLS (certificate verified against the test CA), EHLO,
#    AUTH PLAIN, MAIL, RCPT, QUIT. N runs (default 50) of mailflow and of
#    swaks, each a fresh process as a person or a CI job runs it; prints the
#    mean wall and CPU time per session and their ratios (goal: mailflow
#    at most 0.5 x swaks).
# 2. BenchmarkProbeAll200: 200 loopback SMTP listeners probed with the
#    --all-mx machinery at concurrency 1, 8 and 64.
#
# Needs root (the Postfix master only starts as root), swaks and the peers'
# Debian packages (see scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."

n=${1:-50}
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "usage: scripts/bench/smtp.sh [N]" >&2; exit 2; }
for cmd in swaks go; do
	command -v "$cmd" >/dev/null || { echo "smtp.sh: $cmd not found" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "smtp.sh: must run as root to start the Postfix peers" >&2; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/mailflow-bench-smtp.XXXXXX")
# The Postfix daemons run as the postfix user and must walk into the peers'
# directory below this one.
chmod 755 "$dir"
cleanup() {
	scripts/peers/down.sh "$dir/peers" >/dev/null 2>&1 || true
	rm -rf "$dir"
}
trap cleanup EXIT

scripts/peers/up.sh "$dir/peers" >/dev/null
# shellcheck disable=SC1091
. "$dir/peers/peers.env"
port=${MAILFLOW_IT_SMTP_GOOD##*:}
go build -o "$dir/mailflow" ./cmd/mailflow
umask 077
printf '%s\n' "$MAILFLOW_IT_SMTP_PASS" >"$dir/password"

# Exit 3 is expected: nsd serves no reverse zone, so the PTR check of
# 127.0.0.1 cannot be done. The JSON is checked for the session itself.
mailflow_session() {
	"$dir/mailflow" --dns "$MAILFLOW_IT_DNS" --format json smtp "mail.it.test:$port" --ehlo bench.test \
		--ca-file "$MAILFLOW_IT_CA" --starttls require --auth PLAIN --user "$MAILFLOW_IT_SMTP_USER" \
		--password-file "$dir/password" --from "$MAILFLOW_IT_SMTP_USER" --to postmaster@it.test \
		--quit-after rcpt >"$dir/mailflow.json" || [ $? -eq 3 ]
}
swaks_session() {
	swaks --server 127.0.0.1 --port "$port" --ehlo bench.test --tls --tls-verify --tls-ca-path "$MAILFLOW_IT_CA" \
		--auth PLAIN --auth-user "$MAILFLOW_IT_SMTP_USER" --auth-password "$MAILFLOW_IT_SMTP_PASS" \
		--from "$MAILFLOW_IT_SMTP_USER" --to postmaster@it.test --quit-after RCPT >"$dir/swaks.out" 2>&1
}

# Both must have done the whole session before anything is timed.
mailflow_session
if ! grep -q '"ok": true' "$dir/mailflow.json" || ! grep -q '"code": 250' "$dir/mailflow.json"; then
	echo "smtp.sh: the mailflow session failed:" >&2
	cat "$dir/mailflow.json" >&2
	exit 1
fi
if ! swaks_session || ! grep -q '^<~  250 2.1.5' "$dir/swaks.out"; then
	echo "smtp.sh: the swaks session failed:" >&2
	cat "$dir/swaks.out" >&2
	exit 1
fi

# Each run's wall, user and system seconds (bash's time keyword, which
# counts the child processes) are appended to a file per tool: CPU time says
# what a session costs even when other work shares the machine.
TIMEFORMAT='%3R %3U %3S'
timed() {
	local out=$1
	shift
	{ time "$@" 2>/dev/null; } 2>>"$out"
}

echo "SMTP session benchmark: EHLO, STARTTLS, AUTH PLAIN, MAIL, RCPT, QUIT against Postfix on 127.0.0.1:$port"
echo "$n runs each, interleaved so both tools see the same load; $(nproc) CPUs, $(swaks --version 2>&1 | head -1)"
for i in 1 2 3; do mailflow_session; swaks_session; done
for ((i = 0; i < n; i++)); do
	timed "$dir/mailflow.times" mailflow_session
	timed "$dir/swaks.times" swaks_session
done
# stats FILE: "median-wall mean-wall mean-cpu" in milliseconds per run.
# The median is the figure to compare: now and then Postfix holds its RCPT
# reply for about a second (server side, whichever client asks; the
# transcript shows it), and a few of those move the mean of either tool.
stats() {
	sort -n "$1" | awk '{w[NR] = $1; sw += $1; c += $2 + $3}
		END {m = (NR % 2) ? w[(NR + 1) / 2] : (w[NR / 2] + w[NR / 2 + 1]) / 2
		     printf "%.1f %.1f %.1f", m * 1000, sw * 1000 / NR, c * 1000 / NR}'
}
read -r mf_med mf_wall mf_cpu <<<"$(stats "$dir/mailflow.times")"
read -r sw_med sw_wall sw_cpu <<<"$(stats "$dir/swaks.times")"
printf '  %-10s %12s %10s %8s\n' "" "median wall" "mean wall" "mean CPU"
printf '  %-10s %9.1f ms %7.1f ms %5.1f ms per session\n' mailflow "$mf_med" "$mf_wall" "$mf_cpu" swaks "$sw_med" "$sw_wall" "$sw_cpu"
printf '  %-10s %12.2f %10.2f %8.2f (goal: at most 0.50)\n' ratio "$(echo "$mf_med / $sw_med" | bc -l)" \
	"$(echo "$mf_wall / $sw_wall" | bc -l)" "$(echo "$mf_cpu / $sw_cpu" | bc -l)"
echo
echo "200 loopback SMTP listeners, --all-mx-style concurrency (go test -bench):"
go test -run '^$' -bench 'ProbeAll200' -benchtime 3x ./pkg/smtpprobe/ | grep -E '^Benchmark'
