#!/usr/bin/env bash
# test.sh [--unit] [--no-fuzz] - the one command that checks mailflow:
# formatting, go vet, staticcheck, unit tests under the race detector, every
# fuzz target for a few seconds (scripts/fuzz.sh), then the integration tests
# against real Postfix, nsd (with DNSSEC-signed zones), unbound and rbldnsd
# peers on 127.0.0.1 (scripts/peers) and a real Prometheus.
# --unit stops after the fuzz targets and needs neither root nor the peers.
# --no-fuzz skips the fuzz targets. MAILFLOW_FUZZTIME sets how long each
# target runs (default 2s: under four minutes for all of them on two cores).
set -euo pipefail
cd "$(dirname "$0")/.."

# The first staticcheck release line that understands Go 1.26.
staticcheck_version=v0.8.2
# Debian packages the integration peers and the tests comparing against
# reference tools need.
packages=(postfix nsd rbldnsd swaks dnsutils sasl2-bin libsasl2-modules adns-tools rblcheck libsisimai-perl openssl prometheus unbound ldnsutils)

usage() {
	echo "usage: scripts/test.sh [--unit] [--no-fuzz]"
	echo "  --unit     stop after the unit tests and fuzz targets (no root, no peers)"
	echo "  --no-fuzz  skip the fuzz targets (MAILFLOW_FUZZTIME sets their time each, default 2s)"
}

fail() {
	echo "test.sh: $*" >&2
	exit 1
}

unit_only=false
fuzz=true
for arg in "$@"; do
	case $arg in
	--unit) unit_only=true ;;
	--no-fuzz) fuzz=false ;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		echo "test.sh: unknown argument \"$arg\"" >&2
		usage >&2
		exit 2
		;;
	esac
done

section() {
	printf '\n==== %s (at %ds) ====\n' "$*" "$SECONDS"
}

# has_package PACKAGE: whether what the tests use from PACKAGE is present.
# Probing the files themselves works on any system, not only under dpkg.
has_package() {
	case $1 in
	dnsutils) command -v dig ;;
	sasl2-bin) command -v saslpasswd2 ;;
	libsasl2-modules) compgen -G '/usr/lib/*/sasl2/libplain.so*' || compgen -G '/usr/lib/sasl2/libplain.so*' ;;
	adns-tools) command -v adnshost ;;
	libsisimai-perl) perl -MSisimai -e 1 ;;
	ldnsutils) command -v ldns-signzone ;;
	*) command -v "$1" ;;
	esac >/dev/null 2>&1
}

missing_packages() {
	local p
	for p in "${packages[@]}"; do
		has_package "$p" || echo "$p"
	done
}

section "prerequisites"
command -v go >/dev/null || fail "go not found on PATH; install Go 1.26 (go.mod asks for $(sed -n 's/^go //p' go.mod))"
if ! $unit_only; then
	missing=$(missing_packages | xargs)
	if [ -n "$missing" ]; then
		if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
			fail "missing packages for the integration peers: $missing; install them (Debian: sudo apt-get install --no-install-recommends $missing), or run scripts/test.sh --unit"
		fi
		echo "installing: $missing"
		# Without this answer postfix's installer stops to ask how the host
		# sends mail; the tests run their own instances and need no default one.
		echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
		apt-get update
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}"
		missing=$(missing_packages | xargs)
		[ -z "$missing" ] || fail "still missing after apt-get install: $missing"
	fi
	[ "$(id -u)" -eq 0 ] ||
		fail "the integration peers need root (Postfix only starts as root): run sudo scripts/test.sh, or scripts/test.sh --unit to skip them"
fi
gobin=$(go env GOBIN)
[ -n "$gobin" ] || gobin=$(go env GOPATH)/bin
staticcheck=$gobin/staticcheck
if ! "$staticcheck" -version 2>/dev/null | grep -qF "(${staticcheck_version#v})"; then
	echo "installing staticcheck $staticcheck_version"
	go install "honnef.co/go/tools/cmd/staticcheck@$staticcheck_version"
fi
go version
"$staticcheck" -version

# Checks compile with the integration tag: it only adds files, so vet and
# staticcheck see every file of the module in one pass.
section "gofmt"
unformatted=$(find . -name '*.go' -not -path './vendor/*' -not -path '*/testdata/*' -print0 | xargs -0 gofmt -l)
[ -z "$unformatted" ] || fail "files need gofmt -w: ${unformatted//$'\n'/ }"

section "go vet"
go vet -tags integration ./...

section "staticcheck"
"$staticcheck" -tags integration ./...

section "generated docs are current"
scripts/check-docs.sh

section "unit tests"
go test -race -shuffle=on ./...

if $fuzz; then
	section "fuzz targets (${MAILFLOW_FUZZTIME:-2s} each)"
	# A failing input stays under the package's testdata/fuzz; the script
	# names it and the command that replays it.
	scripts/fuzz.sh "${MAILFLOW_FUZZTIME:-2s}"
fi

if $unit_only; then
	section "all checks passed (integration tests skipped: --unit)"
	exit 0
fi

section "shipped Prometheus files (promtool)"
# The scrape configuration and alert rules users copy must load in the
# Prometheus we test against; the integration test runs them for real and
# lints a /probe answer with promtool check metrics.
promtool check config docs/prometheus/prometheus.yml
promtool check rules docs/prometheus/mailflow-rules.yml

section "starting peers"
peers_dir=$(mktemp -d "${TMPDIR:-/tmp}/mailflow-peers.XXXXXX")
passed=false
finish() {
	scripts/peers/down.sh "$peers_dir" || true
	if $passed; then
		rm -rf "$peers_dir"
	else
		echo "test.sh: peer logs kept in $peers_dir" >&2
	fi
}
trap finish EXIT
scripts/peers/up.sh "$peers_dir"
# shellcheck source=/dev/null
. "$peers_dir/peers.env"

section "integration tests"
# Only packages with integration-tagged files: the others were just tested,
# and the tag changes nothing in them.
mapfile -t it_packages < <(grep -rlE --include='*.go' --exclude-dir=testdata --exclude-dir=vendor '^//go:build .*\bintegration\b' . | xargs -r -n1 dirname | sort -u)
[ ${#it_packages[@]} -gt 0 ] || fail "no integration tests found (files with //go:build integration)"
go test -race -shuffle=on -tags integration -count=1 "${it_packages[@]}"
passed=true

section "all checks passed"
