#!/usr/bin/env bash
# down.sh DIR - stop the peers up.sh started under DIR and drop their Postfix
# config directories from alternate_config_directories. Logs and data stay in
# DIR for inspection. Calling it again, or on a half-started DIR, is harmless.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR
. "$here/lib.sh"

[ $# -eq 1 ] || die "usage: down.sh DIR"
[ -d "$1" ] || die "$1: no such directory"
dir=$(cd "$1" && pwd)

# peers.env goes first: once down has started, nothing should source it.
rm -f "$dir/peers.env"

confs=()
for conf in "$dir"/postfix-*/etc; do
	[ -d "$conf" ] || continue
	# The master daemon is a grandchild of the process up.sh recorded; its own
	# pid file is the reliable handle. Postfix passes the config directory to
	# it in MAIL_CONFIG, which is what ties the pid to this DIR.
	stop_pidfile "${conf%/etc}/queue/pid/master.pid" "$dir"
	confs+=("$conf")
done
for pidfile in "$dir"/run/*.pid; do
	stop_pidfile "$pidfile" "$dir"
done
if [ ${#confs[@]} -gt 0 ] && command -v postconf >/dev/null 2>&1; then
	alt_config_dirs remove "${confs[@]}"
fi
