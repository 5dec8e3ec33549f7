#!/usr/bin/env bash
# completions.sh [DIR] - write mailflow's shell completion scripts into DIR
# (default: completions/), named the way each shell looks for them, for the
# release archives (.goreleaser.yaml runs it before building):
#
#   mailflow.bash   bash (needs the bash-completion package)
#   _mailflow       zsh (a directory on $fpath)
#   mailflow.fish   fish (~/.config/fish/completions/)
#   mailflow.ps1    PowerShell (dot-source it from $PROFILE)
#
# docs/getting-started.md says how to install each.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${1:-completions}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The scripts depend only on the command tree, not on the platform, so one
# host build serves every archive.
go build -o "$tmp/mailflow" ./cmd/mailflow
mkdir -p "$dir"
"$tmp/mailflow" completion bash >"$dir/mailflow.bash"
"$tmp/mailflow" completion zsh >"$dir/_mailflow"
"$tmp/mailflow" completion fish >"$dir/mailflow.fish"
"$tmp/mailflow" completion powershell >"$dir/mailflow.ps1"
echo "completions: wrote $dir/mailflow.bash, _mailflow, mailflow.fish, mailflow.ps1"
