#!/usr/bin/env bash
# ndr.sh [MB] - bounce-parsing benchmark: `mailflow ndr --format jsonl` and
# Debian's Sisimai (libsisimai-perl) over the same messages in one run:
#   1. train: the training corpus (174 messages) as an mbox,
#   2. big:   an mbox of about MB megabytes (default 100) built by repeating it,
#   3. files: the corpus and the constructed bounces as single files, all
#             given to one process (Sisimai->make once per file, one perl),
#   4. 16k:   a plain-text Postfix bounce listing 16,000 recipients (3 MB),
#   5. 48MB:  one 48 MB bounce returning the original with its attachment,
#   6. 48MB-text: one 48 MB bounce that is plain text throughout.
# mailflow runs on one core (GOMAXPROCS=1 --workers 1) and on all cores.
# Prints the median wall time (of 9 rounds for the corpus and the files, 3
# for the large messages, 1 for the big mbox; the tools take turns in each
# round), throughput, peak memory (/usr/bin/time, one more run), the ratio
# to Sisimai and what each found (mbox messages, or recipients for the
# single messages). Reads local files only; no network.
set -euo pipefail
cd "$(dirname "$0")/../.."

mb=${1:-100}
[[ $mb =~ ^[1-9][0-9]*$ ]] || { echo "usage: scripts/bench/ndr.sh [MB]" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "ndr.sh: /usr/bin/time not found (apt-get install time)" >&2; exit 1; }
perl -MSisimai -e 1 2>/dev/null || { echo "ndr.sh: Sisimai not found (apt-get install libsisimai-perl)" >&2; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/mailflow-bench-ndr.XXXXXX")
trap 'rm -rf "$dir"' EXIT
# Built as the release is (.goreleaser.yaml): static, without cgo.
CGO_ENABLED=0 go build -o "$dir/mailflow" ./cmd/mailflow

# mboxrd: an envelope line per message, a blank line after it, and body
# lines starting with "From " quoted with '>'.
for f in pkg/ndr/testdata/corpus/*.eml; do
	tr -d '\r' <"$f" | perl -ne 'if ($. == 1 && /^From /) { next } s/^(>*From )/>$1/; print; END { print "\n" }' |
		{ echo "From MAILER-DAEMON Thu Jan  1 00:00:00 2024"; cat; echo; }
done >"$dir/train.mbox"
train_bytes=$(stat -c %s "$dir/train.mbox")
: >"$dir/big.mbox"
while [ "$(stat -c %s "$dir/big.mbox")" -lt $((mb * 1000000)) ]; do cat "$dir/train.mbox" >>"$dir/big.mbox"; done

# The large single messages, written from Postfix's bounce(5) template.
perl -e '
	print "From: MAILER-DAEMON\@mx.example.net (Mail Delivery System)\nTo: sender\@example.net\n",
		"Subject: Undelivered Mail Returned to Sender\n\nThis is the mail system at host mx.example.net.\n\n";
	for my $i (1..16000) {
		print "<user$i\@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1\n",
			"    <user$i\@example.org>: Recipient address rejected: User unknown in virtual\n",
			"    mailbox table (in reply to RCPT TO command)\n\n";
	}' >"$dir/16k.eml"
perl -e '
	print "From: MAILER-DAEMON\@mx.example.net (Mail Delivery System)\nTo: sender\@example.net\n",
		"Subject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n",
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B1\"\n\n",
		"--B1\nContent-Type: text/plain\n\nThis is the mail system at host mx.example.net.\n\n",
		"<bob\@example.org>: host mx.example.org[192.0.2.1] said: 552 5.2.2 <bob\@example.org>:\n",
		"    Recipient address rejected: Mailbox full (in reply to RCPT TO command)\n\n",
		"--B1\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n",
		"Final-Recipient: rfc822; bob\@example.org\nAction: failed\nStatus: 5.2.2\n",
		"Diagnostic-Code: smtp; 552 5.2.2 Mailbox full\n\n",
		"--B1\nContent-Type: message/rfc822\n\nFrom: sender\@example.net\nTo: bob\@example.org\nSubject: big\n",
		"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"B2\"\n\n--B2\nContent-Type: text/plain\n\nsee attached\n",
		"--B2\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n";
	my $line = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx\n";
	print $line x int(48000000 / length($line));
	print "--B2--\n--B1--\n";' >"$dir/48MB.eml"
perl -e '
	print "From: MAILER-DAEMON\@mx.example.net\nSubject: Undelivered Mail Returned to Sender\n\n",
		"<bob\@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 unknown user (in reply to RCPT TO command)\n\n";
	print "a line of the returned text that names no recipient at all, over and over\n" x 640000;' >"$dir/48MB-text.eml"
files=(pkg/ndr/testdata/corpus/*.eml pkg/ndr/testdata/constructed/*.eml)

sisimai_mbox='my $v = Sisimai->make($ARGV[0], delivered => 1); print scalar(@{ $v || [] }), "\n"'
sisimai_files='my $n = 0; for my $f (@ARGV) { my $v = Sisimai->make($f, delivered => 1); $n += scalar(@{ $v || [] }) } print "$n\n"'

# once OUT CMD... runs a command once, bare, and prints its wall time in
# milliseconds (the small sets take tens of them, below /usr/bin/time's
# resolution, and a wrapper would add its own start to each).
once() {
	local out=$1 t0 t1
	shift
	# EPOCHREALTIME, not date: a clock read must not fork a process.
	t0=${EPOCHREALTIME/[.,]/}
	"$@" >"$out" 2>/dev/null
	t1=${EPOCHREALTIME/[.,]/}
	echo $(((t1 - t0) / 1000))
}

# peak CMD... runs a command under /usr/bin/time and prints its peak RSS
# in kB.
peak() {
	/usr/bin/time -f %M -o "$dir/time.txt" "$@" >/dev/null 2>&1
	tail -1 "$dir/time.txt"
}

# median FILE KB prints the median of the times in FILE in seconds, and KB.
median() {
	sort -n "$1" | awk -v kb="$2" '{ a[NR] = $1 } END { printf "%.3f %d\n", a[int((NR + 1) / 2)] / 1000, kb }'
}

# found FILE counts what mailflow found in its JSON lines: result records
# (mbox messages, files) or, for a single message, recipients.
found() {
	local n
	n=$(grep -c '"type":"result"' "$1" || true)
	if [ "$n" = 1 ]; then
		echo "$(grep '"type":"result"' "$1" | grep -o '"action":' | wc -l) recipients"
	else
		echo "$n results"
	fi
}

printf '%-10s %-22s %8s %9s %10s %9s %s\n' dataset tool seconds MB/s peak_MiB "x Sisimai" found
for set in train big files 16k 48MB 48MB-text; do
	case $set in
	files) inputs=("${files[@]}"); sis=$sisimai_files ;;
	train | big) inputs=("$dir/$set.mbox"); sis=$sisimai_mbox ;;
	*) inputs=("$dir/$set.eml"); sis=$sisimai_mbox ;;
	esac
	bytes=$(cat "${inputs[@]}" | wc -c)
	case $set in train | files) reps=9 ;; big) reps=1 ;; *) reps=3 ;; esac
	# The tools take turns in every round, so a change in the machine's
	# load touches all three alike.
	: >"$dir/s.t" && : >"$dir/one.t" && : >"$dir/all.t"
	sis_cmd=(perl -MSisimai -e "$sis" "${inputs[@]}")
	one_cmd=("$dir/mailflow" ndr --format jsonl --workers 1 "${inputs[@]}")
	all_cmd=("$dir/mailflow" ndr --format jsonl "${inputs[@]}")
	for ((r = 0; r < reps; r++)); do
		once "$dir/sisimai.out" "${sis_cmd[@]}" >>"$dir/s.t"
		GOMAXPROCS=1 once "$dir/one.jsonl" "${one_cmd[@]}" >>"$dir/one.t"
		once "$dir/all.jsonl" "${all_cmd[@]}" >>"$dir/all.t"
	done
	read -r s_sec s_kb < <(median "$dir/s.t" "$(peak "${sis_cmd[@]}")")
	s_rec=$(tail -1 "$dir/sisimai.out")
	line() { # tool seconds kb found
		awk -v set="$set" -v tool="$1" -v sec="$2" -v kb="$3" -v bytes="$bytes" -v ref="$s_sec" -v rec="$4" \
			'BEGIN { if (sec < 0.001) sec = 0.001; printf "%-10s %-22s %8.3f %9.1f %10.1f %9.1f %s\n", set, tool, sec, bytes / sec / 1e6, kb / 1024, ref / sec, rec }'
	}
	line "sisimai $(perl -MSisimai -e 'print $Sisimai::VERSION')" "$s_sec" "$s_kb" "$s_rec results"
	read -r sec kb < <(median "$dir/one.t" "$(GOMAXPROCS=1 peak "${one_cmd[@]}")")
	line "mailflow, 1 core" "$sec" "$kb" "$(found "$dir/one.jsonl")"
	read -r sec kb < <(median "$dir/all.t" "$(peak "${all_cmd[@]}")")
	line "mailflow, $(nproc) cores" "$sec" "$kb" "$(found "$dir/all.jsonl")"
	cmp -s <(grep -v '"type":"summary"' "$dir/one.jsonl") <(grep -v '"type":"summary"' "$dir/all.jsonl") ||
		echo "ndr.sh: output differs between 1 and $(nproc) cores" >&2
done
echo "train.mbox: $train_bytes bytes; big.mbox: $(stat -c %s "$dir/big.mbox") bytes; files: ${#files[@]}"
