# shellcheck shell=bash
# rbl.sh - sourced by the benchmarks that run a DNS server (rbldnsd,
# slowdns), never run on its own.

# rbl_datasets DIR IPS: write five rbldnsd ip4set datasets z1..z5.bench.test
# into DIR, listing every 10th address of the file IPS on z1, every 11th on
# z2 and so on (about 10% listed per zone), each with the RFC 5782 test
# entry 127.0.0.2. Sets rbldnsd_args (the rbldnsd zone:type:file arguments) and
# zone_flags (the matching mailflow --zone flags).
rbl_datasets() {
	local dir=$1 ips=$2 z
	mkdir -p "$dir"
	rbldnsd_args=()
	zone_flags=()
	for z in 1 2 3 4 5; do
		{
			echo "\$SOA 300 ns.bench.test. hostmaster.bench.test. 0 600 300 86400 60"
			echo ":127.0.0.$((z + 1)):listed on z$z: \$"
			echo "127.0.0.2"
			awk -v n=$((z + 9)) 'NR % n == 0' "$ips"
		} >"$dir/z$z.txt"
		rbldnsd_args+=("z$z.bench.test:ip4set:z$z.txt")
		zone_flags+=(--zone "z$z.bench.test")
	done
	# rbldnsd reads its data as nobody.
	chmod -R a+rX "$dir"
}

# bench_workdir NAME: make the work directory $work (readable by the
# servers' users) and, on exit, stop the server whose pid is in
# $server_pid and remove the directory.
bench_workdir() {
	work=$(mktemp -d "${TMPDIR:-/tmp}/mailflow-bench-$1.XXXXXX")
	chmod 755 "$work"
	server_pid=
	trap bench_cleanup EXIT
}

bench_cleanup() {
	[ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$work"
}
