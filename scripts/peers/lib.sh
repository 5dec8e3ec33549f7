# shellcheck shell=bash
# Helpers shared by up.sh and down.sh; sourced, never run on its own.

die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

# die_log MESSAGE LOGFILE: fail, showing the end of the peer's log so the
# reason is on screen without opening the file.
die_log() {
	{
		echo "${0##*/}: $1 (log: $2)"
		if [ -s "$2" ]; then
			echo "--- last lines of $2 ---"
			tail -n 20 "$2"
		fi
	} >&2
	exit 1
}

# need CMD...: fail naming every missing command and the Debian package that
# ships it, so one run tells the user everything to install.
need() {
	local cmd missing=()
	for cmd in "$@"; do
		command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd (package $(package_of "$cmd"))")
	done
	[ ${#missing[@]} -eq 0 ] || die "missing commands: ${missing[*]}; scripts/test.sh installs them when run as root"
}

package_of() {
	case $1 in
	postconf | posttls-finger) echo postfix ;;
	saslpasswd2) echo sasl2-bin ;;
	dig) echo dnsutils ;;
	nsd-checkzone | nsd-checkconf) echo nsd ;;
	unbound-checkconf) echo unbound ;;
	ldns-*) echo ldnsutils ;;
	awk) echo mawk ;;
	flock) echo util-linux ;;
	*) echo "$1" ;;
	esac
}

# stop_pidfile FILE DIR: stop the process whose pid FILE holds, but only if
# its command line or environment mentions DIR. Pid files outlive their
# processes, and the number may since belong to something unrelated.
stop_pidfile() {
	local file=$1 dir=$2 pid i
	[ -s "$file" ] || return 0
	read -r pid <"$file" || true
	rm -f "$file"
	case $pid in '' | *[!0-9]*) return 0 ;; esac
	grep -qaF "$dir/" "/proc/$pid/cmdline" "/proc/$pid/environ" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.2
	done
	echo "${0##*/}: pid $pid ignored SIGTERM for 10s, killing it" >&2
	kill -KILL "$pid" 2>/dev/null || true
}

# in_list WORD LIST...: whether WORD is one of LIST.
in_list() {
	local want=$1 w
	shift
	for w in "$@"; do
		[ "$w" = "$want" ] && return 0
	done
	return 1
}

# alt_config_dirs add|remove DIR...: edit alternate_config_directories in the
# default Postfix main.cf, which must list every config directory that
# "postfix -c" is allowed to start. Entries our own runs left behind (instance
# directories that no longer exist) are pruned on the way. The file is only
# rewritten when the list changes, and a lock on /etc/postfix keeps parallel
# runs from losing each other's entries.
alt_config_dirs() {
	local action=$1
	shift
	(
		flock 9
		# A host installed with "No configuration" has no default main.cf, but
		# postfix -c still reads this one setting from it.
		[ -e /etc/postfix/main.cf ] || : >/etc/postfix/main.cf
		local entry d keep=() current
		IFS=$', \t' read -r -a current <<<"$(postconf -nh alternate_config_directories)"
		for entry in "${current[@]}"; do
			[ "$action" = remove ] && in_list "$entry" "$@" && continue
			[[ $entry == */postfix-*/etc && ! -d $entry ]] && continue
			keep+=("$entry")
		done
		if [ "$action" = add ]; then
			for d in "$@"; do
				in_list "$d" "${keep[@]}" || keep+=("$d")
			done
		fi
		[ "${keep[*]}" = "${current[*]}" ] && exit 0
		if [ ${#keep[@]} -gt 0 ]; then
			postconf -e "alternate_config_directories = ${keep[*]}"
		else
			postconf -X alternate_config_directories
		fi
	) 9</etc/postfix
}
