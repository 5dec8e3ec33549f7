#!/usr/bin/env bash
# up.sh [DIR] - start the integration test peers on 127.0.0.1 in the background:
#   nsd       authoritative for every scripts/peers/zones/NAME.zone, and for
#             the DNSSEC zones of scripts/peers/dnssec: dnssec.test, signed
#             here with ldns-signzone (two records broken after signing), and
#             its unsigned child insecure.dnssec.test
#   unbound   a validating resolver for those two zones, with dnssec.test's
#             DS as trust anchor; every other name is refused. It also answers
#             on port 53 of a loopback address of its own, for clients of the
#             C library's resolver (posttls-finger), which cannot use another port
#   rbldnsd   the DNSBL datasets listed in scripts/peers/rbl/zones.list
#   postfix   three instances, "good" (AUTH only after STARTTLS, no open relay),
#             "bad" (AUTH in plaintext, open relay from loopback) and "relay"
#             (delivers everything to a test's SMTP server on a loopback port,
#             and returns what that server refuses as a real Postfix bounce)
# Everything they write lives under DIR (a new temporary directory by default).
# Once all of them answer, DIR/peers.env holds the export lines the
# integration tests read. Stop them with down.sh DIR. Needs root: Postfix only
# starts as root.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR
. "$here/lib.sh"

[ $# -le 1 ] || die "usage: up.sh [DIR]"
[ "$(id -u)" -eq 0 ] || die "must run as root, because the Postfix master only starts as root (try: sudo $0 $*)"
need nsd nsd-checkconf nsd-checkzone rbldnsd postfix postconf saslpasswd2 openssl dig flock perl timeout \
	unbound unbound-checkconf ldns-keygen ldns-signzone awk posttls-finger

dir=${1:-$(mktemp -d "${TMPDIR:-/tmp}/mailflow-peers.XXXXXX")}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
[ ! -e "$dir/peers.env" ] || die "$dir/peers.env exists: peers may still run there; call down.sh $dir first"
# Postfix daemons run as the postfix user and rbldnsd as nobody: both must be
# able to walk into DIR.
chmod 755 "$dir"
# A failed start stops whatever did come up; the logs stay in DIR.
stop_on_failure() {
	local rc=$?
	[ $rc -eq 0 ] || "$here/down.sh" "$dir" >/dev/null 2>&1 || true
}
trap stop_on_failure EXIT
mkdir -p "$dir/run"

ports=$("$here/freeport.pl" 7) || die "could not pick free loopback ports"
read -r dns_port rbl_port good_port bad_port unbound_port relay_port remote_port <<<"${ports//$'\n'/ }"
unbound_ip=$("$here/freeaddr.pl" 53) || die "could not find a loopback address with port 53 free for unbound"

# wait_ready NAME LOG PID CHECK...: poll CHECK until it succeeds, failing fast
# when the process has already died. The limit is generous because Postfix's
# start-up checks alone took over 30s on a loaded 2-core machine.
wait_ready() {
	local name=$1 log=$2 pid=$3 deadline=$((SECONDS + 120))
	shift 3
	while ((SECONDS < deadline)); do
		"$@" && return 0
		kill -0 "$pid" 2>/dev/null || die_log "$name exited while starting" "$log"
		sleep 0.2
	done
	die_log "$name did not answer within 120s" "$log"
}

valid_zone() {
	local label='[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?'
	[[ ${#1} -le 253 && $1 =~ ^($label\.)*$label$ ]]
}

# dns_status PORT NAME TYPE: the response code the server on PORT gives.
dns_status() {
	dig +norec +time=1 +tries=1 -p "$1" @127.0.0.1 "$2" "$3" 2>/dev/null |
		sed -n 's/.*status: \([A-Z]*\).*/\1/p'
}

dns_authoritative() {
	[ "$(dns_status "$1" "$2" SOA)" = NOERROR ]
}

# rbldnsd answers REFUSED for zones it does not serve; any other code means
# the zone is loaded.
dnsbl_serving() {
	local status
	status=$(dns_status "$1" "$2" A)
	[ -n "$status" ] && [ "$status" != REFUSED ]
}

# validating PORT NAME [ADDR]: whether the resolver on ADDR (default
# 127.0.0.1) port PORT answers NAME SOA with the AD flag.
validating() {
	dig +dnssec +time=1 +tries=1 -p "$1" "@${3:-127.0.0.1}" "$2" SOA 2>/dev/null | grep -q '^;; flags:[^;]* ad[ ;]'
}

smtp_banner() {
	# shellcheck disable=SC2016 # the inner script expands its own $1
	timeout 5 bash -c '
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		IFS= read -r line <&3 || exit 1
		printf "QUIT\r\n" >&3
		[[ $line == 220* ]]' _ "$1" 2>/dev/null
}

# ---- TLS material shared by the Postfix instances (and the TLSA records) ----
tls=$dir/tls
mkdir -p "$tls"
# Valid for 90 days: mailflow warns about certificates that expire within
# 14, and the healthy peer must come out clean.
(
	cd "$tls"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 90 \
		-subj "/CN=mailflow integration test CA" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
		-keyout ca.key -out ca.crt
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj "/CN=mail.it.test" -keyout server.key -out server.csr
	printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" \
		"extendedKeyUsage=serverAuth" "subjectAltName=DNS:mail.it.test,IP:127.0.0.1" >server.ext
	openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 90 \
		-extfile server.ext -out server.crt
	chmod 600 ca.key server.key
	chmod 644 ca.crt server.crt
) >"$tls/openssl.log" 2>&1 || die_log "could not create the test CA and certificate" "$tls/openssl.log"

# ---- nsd ----
mkdir -p "$dir/nsd/zones"
zones=()
for file in "$here"/zones/*.zone; do
	[ -e "$file" ] || die "no zone files in $here/zones"
	zone=$(basename "$file" .zone)
	valid_zone "$zone" || die "$file: file name must be ZONE.zone with a valid zone name"
	# nsd-checkzone reports "FILE:LINE: problem" after a timestamp; keep
	# just that part.
	out=$(nsd-checkzone "$zone" "$file" 2>&1) ||
		die "nsd rejects zone $zone: $(sed -n 's/.*error: //p' <<<"$out" | head -n 3 | paste -sd ';')"
	cp "$file" "$dir/nsd/zones/"
	zones+=("$zone")
done

# ---- DNSSEC zones: signed, broken and unsigned ----
# Fresh keys every run; the KSK's DS is unbound's trust anchor.
sec=$dir/dnssec
mkdir -p "$sec"
tlsa=$(openssl x509 -in "$tls/server.crt" -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
[[ $tlsa =~ ^[0-9a-f]{64}$ ]] || die "could not compute the TLSA digest of $tls/server.crt"
sed -e "s/@TLSA@/$tlsa/" -e "s/@PORT@/$good_port/" "$here/dnssec/dnssec.test.zone" >"$sec/dnssec.test.zone"
(
	cd "$sec"
	ksk=$(ldns-keygen -a ECDSAP256SHA256 -k -r /dev/urandom dnssec.test)
	zsk=$(ldns-keygen -a ECDSAP256SHA256 -r /dev/urandom dnssec.test)
	ldns-signzone -f dnssec.test.signed dnssec.test.zone "$zsk" "$ksk"
	cp "$ksk.ds" trust-anchor.ds
) >"$sec/sign.log" 2>&1 || die_log "could not sign dnssec.test" "$sec/sign.log"
# Change two signed records so their signatures no longer match.
awk '$1 == "broken.dnssec.test." && $4 == "MX" { $5 = 20; n++ }
	$1 == "mx.bad.dnssec.test." && $4 == "A" { $5 = "127.0.0.2"; n++ }
	{ print }
	END { exit n == 2 ? 0 : 1 }' "$sec/dnssec.test.signed" >"$dir/nsd/zones/dnssec.test.zone" ||
	die "$sec/dnssec.test.signed: did not find the two records to break"
cp "$here/dnssec/insecure.dnssec.test.zone" "$dir/nsd/zones/"
for zone in dnssec.test insecure.dnssec.test; do
	out=$(nsd-checkzone "$zone" "$dir/nsd/zones/$zone.zone" 2>&1) ||
		die "nsd rejects zone $zone: $(sed -n 's/.*error: //p' <<<"$out" | head -n 3 | paste -sd ';')"
	zones+=("$zone")
done
{
	cat <<EOF
server:
	ip-address: 127.0.0.1@$dns_port
	do-ip6: no
	username: ""
	chroot: ""
	zonesdir: "$dir/nsd/zones"
	database: ""
	zonelistfile: "$dir/nsd/zone.list"
	xfrdfile: "$dir/nsd/xfrd.state"
	xfrdir: "$dir/nsd"
	pidfile: "$dir/nsd/nsd.pid"
	server-count: 1
	hide-version: yes
	reuseport: no
	# Response rate limiting would drop answers to the bulk mx tests and
	# benchmarks, which query one loopback server thousands of times.
	rrl-ratelimit: 0
remote-control:
	control-enable: no
EOF
	for zone in "${zones[@]}"; do
		printf 'zone:\n\tname: "%s"\n\tzonefile: "%s.zone"\n' "$zone" "$zone"
	done
} >"$dir/nsd/nsd.conf"
out=$(nsd-checkconf "$dir/nsd/nsd.conf" 2>&1) || die "generated $dir/nsd/nsd.conf is invalid: $out"
nsd -d -c "$dir/nsd/nsd.conf" >"$dir/nsd/nsd.log" 2>&1 &
echo $! >"$dir/run/nsd.pid"

# ---- unbound ----
# Validates the DNSSEC zones through stub zones pointing at nsd. Nothing
# leaves the machine: every name outside dnssec.test is refused rather
# than resolved from the root.
ub=$dir/unbound
mkdir -p "$ub"
cp "$sec/trust-anchor.ds" "$ub/"
cat >"$ub/unbound.conf" <<EOF
server:
	interface: 127.0.0.1@$unbound_port
	interface: $unbound_ip@53
	port: $unbound_port
	do-ip6: no
	username: ""
	chroot: ""
	directory: "$ub"
	pidfile: "$ub/unbound.pid"
	logfile: "$ub/unbound.log"
	use-syslog: no
	verbosity: 1
	val-log-level: 2
	module-config: "validator iterator"
	trust-anchor-file: "$ub/trust-anchor.ds"
	do-not-query-localhost: no
	qname-minimisation: no
	local-zone: "." refuse
	local-zone: "dnssec.test." transparent
stub-zone:
	name: "dnssec.test"
	stub-addr: 127.0.0.1@$dns_port
stub-zone:
	name: "insecure.dnssec.test"
	stub-addr: 127.0.0.1@$dns_port
remote-control:
	control-enable: no
EOF
out=$(unbound-checkconf "$ub/unbound.conf" 2>&1) || die "generated $ub/unbound.conf is invalid: $out"
unbound -d -c "$ub/unbound.conf" >"$ub/stderr.log" 2>&1 &
echo $! >"$dir/run/unbound.pid"

# ---- rbldnsd ----
# rbldnsd chroots into DIR/rbl and reads its data as nobody, so it gets its
# own world-readable copy of the datasets.
mkdir -p "$dir/rbl"
chmod 755 "$dir/rbl"
manifest=$here/rbl/zones.list
datasets=()
rbl_zones=()
lineno=0
while read -r zone type files extra || [ -n "$zone" ]; do
	lineno=$((lineno + 1))
	[[ -z $zone || $zone == \#* ]] && continue
	[[ -n $files && -z $extra ]] || die "$manifest:$lineno: want \"zone type file[,file...]\""
	valid_zone "$zone" || die "$manifest:$lineno: invalid zone name \"$zone\""
	[[ $type =~ ^[a-z0-9]+$ ]] || die "$manifest:$lineno: invalid dataset type \"$type\""
	for f in ${files//,/ }; do
		[[ $f != */* && -f $here/rbl/$f ]] || die "$manifest:$lineno: no data file \"$f\" next to zones.list"
		install -m 644 "$here/rbl/$f" "$dir/rbl/$f"
	done
	datasets+=("$zone:$type:$files")
	rbl_zones+=("$zone")
done <"$manifest"
[ ${#datasets[@]} -gt 0 ] || die "$manifest: lists no datasets"
rbldnsd -n -u nobody -b "127.0.0.1/$rbl_port" -r "$dir/rbl" -w / "${datasets[@]}" >"$dir/rbl.log" 2>&1 &
echo $! >"$dir/run/rbldnsd.pid"

# ---- Postfix ----
smtp_user=probe@it.test
smtp_pass=$(openssl rand -hex 12)

# postfix_instance NAME PORT: configure and start one instance from the shared
# templates plus its postfix/NAME.cf settings.
postfix_instance() {
	local name=$1 port=$2
	local inst=$dir/postfix-$name
	local conf=$inst/etc
	mkdir -p "$conf/sasl" "$inst/queue"
	# An instance setting replaces the shared one rather than follow it:
	# Postfix would warn about the override on every command, into the log.
	awk -F ' *= *' 'NR == FNR { if (/^[a-z_]+ *=/) set[$1] = 1; next }
		!(/^[a-z_]+ *=/ && set[$1])' "$here/postfix/$name.cf" "$here/postfix/main.cf" |
		cat - "$here/postfix/$name.cf" |
		sed -e "s|@INSTANCE@|$inst|g" -e "s|@NAME@|$name|g" -e "s|@TLSDIR@|$tls|g" \
			-e "s|@REMOTE_HOST@|127.0.0.1|g" -e "s|@REMOTE_PORT@|$remote_port|g" >"$conf/main.cf"
	sed -e "s|@LISTEN@|127.0.0.1:$port|" "$here/postfix/master.cf" >"$conf/master.cf"
	if [ "$name" = relay ]; then
		echo "smtp       unix  -       -       n       -       -       smtp" >>"$conf/master.cf"
	fi
	sed -e "s|@INSTANCE@|$inst|g" "$here/postfix/smtpd.conf" >"$conf/sasl/smtpd.conf"
	printf '%s' "$smtp_pass" | saslpasswd2 -f "$conf/sasl/sasldb2" -c -p -u "${smtp_user#*@}" "${smtp_user%@*}" ||
		die "saslpasswd2 could not create $conf/sasl/sasldb2"
	# smtpd runs as the postfix user and opens the sasldb itself.
	chown root:postfix "$conf/sasl/sasldb2"
	chmod 640 "$conf/sasl/sasldb2"
	chmod 644 "$conf/sasl/smtpd.conf"
	alt_config_dirs add "$conf"
	local log=$inst/postfix.log
	# start-fg fills the (root-owned) queue directory and creates the data
	# directory with the owners Postfix wants (post-install create-missing)
	# before it runs the master daemon.
	postfix -c "$conf" start-fg >"$log" 2>&1 &
	echo $! >"$dir/run/postfix-$name.pid"
}
postfix_instance good "$good_port"
postfix_instance bad "$bad_port"
postfix_instance relay "$relay_port"

# ---- wait until every peer answers ----
for zone in "${zones[@]}"; do
	wait_ready "nsd (zone $zone on port $dns_port)" "$dir/nsd/nsd.log" "$(cat "$dir/run/nsd.pid")" \
		dns_authoritative "$dns_port" "$zone"
done
# unbound is ready once it validates the signed zone (the AD flag).
wait_ready "unbound (port $unbound_port)" "$ub/unbound.log" "$(cat "$dir/run/unbound.pid")" \
	validating "$unbound_port" dnssec.test
wait_ready "unbound ($unbound_ip port 53)" "$ub/unbound.log" "$(cat "$dir/run/unbound.pid")" \
	validating 53 dnssec.test "$unbound_ip"
for zone in "${rbl_zones[@]}"; do
	wait_ready "rbldnsd (zone $zone on port $rbl_port)" "$dir/rbl.log" "$(cat "$dir/run/rbldnsd.pid")" \
		dnsbl_serving "$rbl_port" "$zone"
done
wait_ready "postfix good (port $good_port)" "$dir/postfix-good/postfix.log" "$(cat "$dir/run/postfix-good.pid")" \
	smtp_banner "$good_port"
wait_ready "postfix bad (port $bad_port)" "$dir/postfix-bad/postfix.log" "$(cat "$dir/run/postfix-bad.pid")" \
	smtp_banner "$bad_port"
wait_ready "postfix relay (port $relay_port)" "$dir/postfix-relay/postfix.log" "$(cat "$dir/run/postfix-relay.pid")" \
	smtp_banner "$relay_port"

{
	echo "# Written by scripts/peers/up.sh; stop the peers with scripts/peers/down.sh $dir"
	printf 'export %s=%q\n' \
		MAILFLOW_IT_DIR "$dir" \
		MAILFLOW_IT_DNS "127.0.0.1:$dns_port" \
		MAILFLOW_IT_DNSBL "127.0.0.1:$rbl_port" \
		MAILFLOW_IT_UNBOUND "127.0.0.1:$unbound_port" \
		MAILFLOW_IT_UNBOUND_53 "$unbound_ip:53" \
		MAILFLOW_IT_SMTP_GOOD "127.0.0.1:$good_port" \
		MAILFLOW_IT_SMTP_BAD "127.0.0.1:$bad_port" \
		MAILFLOW_IT_SMTP_RELAY "127.0.0.1:$relay_port" \
		MAILFLOW_IT_RELAY_NEXT_HOP "127.0.0.1:$remote_port" \
		MAILFLOW_IT_SMTP_USER "$smtp_user" \
		MAILFLOW_IT_SMTP_PASS "$smtp_pass" \
		MAILFLOW_IT_CA "$tls/ca.crt"
} >"$dir/peers.env"
echo "peers up: source $dir/peers.env"
