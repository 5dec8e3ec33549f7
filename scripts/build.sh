#!/usr/bin/env bash
# build.sh [-o OUTPUT] [GO BUILD FLAGS...] - build mailflow from a clone with
# its version (git describe), commit and commit date stamped in through
# -ldflags -X, the same variables the release build sets (.goreleaser.yaml).
# `mailflow version` then names the commit even where Go's own VCS stamping
# is off (GOFLAGS=-buildvcs=false, as in some CI images and containers).
# The output defaults to ./mailflow; extra flags go to go build (-race, -v).
set -euo pipefail
cd "$(dirname "$0")/.."

out=mailflow
if [ "${1:-}" = "-o" ]; then
	[ $# -ge 2 ] || {
		echo "build.sh: -o needs a file name" >&2
		exit 2
	}
	out=$2
	shift 2
fi

command -v git >/dev/null && git rev-parse --git-dir >/dev/null 2>&1 ||
	{
		echo "build.sh: not a git clone; use go build ./cmd/mailflow (mailflow version will say 'commit unknown')" >&2
		exit 1
	}

# A tag names the release; between tags describe says how far past it
# (v1.2.0-3-gabc1234). Without any tag the version stays "devel".
version=$(git describe --tags --dirty 2>/dev/null || true)
commit=$(git rev-parse HEAD)
# The commit's own time, not the clock: the same commit builds the same bytes.
date=$(TZ=UTC git log -1 --date=format-local:%Y-%m-%dT%H:%M:%SZ --format=%cd)
modified=false
[ -z "$(git status --porcelain --untracked-files=no)" ] || modified=true

pkg=github.com/mailflowkit/mailflow/pkg/cli
exec go build -trimpath "$@" -o "$out" -ldflags "-X $pkg.version=$version -X $pkg.commit=$commit -X $pkg.date=$date -X $pkg.modified=$modified" ./cmd/mailflow
