# shellcheck shell=bash
# shellcheck disable=SC2154  # option names and defaults come from variables.sh
# Small functions shared by cdev.tmux and the scripts: reading options, showing messages, and the
# checks done before anything is bound.

# get_tmux_option NAME DEFAULT: the option's global value, or DEFAULT when it is unset or empty.
get_tmux_option() {
	local value
	value=$(tmux show-option -gqv "$1")
	if [ -n "$value" ]; then
		printf '%s\n' "$value"
	else
		printf '%s\n' "$2"
	fi
}

# cdev_message TEXT [MILLISECONDS]: shows TEXT to attached clients (for display-time, or as long
# as asked) and keeps it in @cdev-build-message, so it can be read later even when nobody was
# attached (tmux start-up, TPM install), and every key can show it while the helper is not ready.
cdev_message() {
	tmux set-option -gq "$build_message_option" "$1"
	# display-message expands formats: double every # so paths are shown as they are.
	if [ -n "${2:-}" ]; then
		tmux display-message -d "$2" "${1//#/##}" 2>/dev/null || true
	else
		tmux display-message "${1//#/##}" 2>/dev/null || true
	fi
}

# tmux_version_at_least MAJOR.MINOR: compares with the running tmux's version.
tmux_version_at_least() {
	local have want_major want_minor have_major have_minor
	have=$(tmux -V | awk '{print $2}')
	case "$have" in master | next-*) return 0 ;; esac
	have_major=${have%%.*}
	have_minor=${have#*.}
	have_minor=${have_minor%%[!0-9]*}
	want_major=${1%%.*}
	want_minor=${1#*.}
	[ "$have_major" -gt "$want_major" ] ||
		{ [ "$have_major" -eq "$want_major" ] && [ "${have_minor:-0}" -ge "$want_minor" ]; }
}

# popup_size VALUE DEFAULT: VALUE when it is a number of cells or a percentage, else DEFAULT.
# The size is written into tmux commands, so nothing else may pass.
popup_size() {
	case "$1" in
	'' | *[!0-9%]* | *%*%* | %*) printf '%s\n' "$2" ;;
	*) printf '%s\n' "$1" ;;
	esac
}
