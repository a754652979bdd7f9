# shellcheck shell=bash
# shellcheck disable=SC2154  # option names and defaults come from variables.sh
# The actions cdev.tmux offers: one command-alias each (so users can bind them as they like) and a
# default key for each, configurable with @cdev-key-* options.

# action_command ACTION: the tmux command behind an action. "$CDEV_BIN" is expanded by the shell
# of the popup or job, so the binary path is never parsed by tmux.
action_command() {
	local width height
	width=$(popup_size "$(get_tmux_option "$popup_width_option" "")" "$popup_width_default")
	height=$(popup_size "$(get_tmux_option "$popup_height_option" "")" "$popup_height_default")
	case "$1" in
	list) printf "display-popup -w %s -h %s -T ' cdev list (Esc closes) ' '\"\$CDEV_BIN\" list'" "$width" "$height" ;;
	# The picker in a popup that closes with it; control-mode clients (iTerm2's tmux -CC) cannot
	# show popups, so they get it in a window of its own. tmux does not expand formats in a
	# popup's command, so run-shell expands #{client_name} and cdev opens the popup for it.
	switch)
		printf "if-shell -F '#{client_control_mode}' { new-window -n cdev '\"\$CDEV_BIN\" switch' } "
		printf "{ run-shell -b '\"\$CDEV_BIN\" switch --popup %sx%s --client #{q:client_name}' }" "$width" "$height"
		;;
	# A flag option without a value toggles; the message reads the new value.
	sync) printf "set-window-option synchronize-panes ; display-message 'cdev: synchronize-panes #{?synchronize-panes,ON,OFF}'" ;;
	git-status) printf "run-shell -b '\"\$CDEV_BIN\" git-status --client \"#{client_name}\"'" ;;
	# run-shell expands #{client_name} when the key is pressed: the client to switch.
	next) printf "run-shell -b '\"\$CDEV_BIN\" next --client \"#{client_name}\"'" ;;
	# #{q:session_name} is the session name quoted for the shell.
	save) printf "run-shell -b '\"\$CDEV_BIN\" save --client \"#{client_name}\" -- #{q:session_name}'" ;;
	restore)
		printf "confirm-before -p 'cdev: replace #S with its last snapshot? (y/n)' "
		printf "{ run-shell -b '\"\$CDEV_BIN\" restore --force --client \"#{client_name}\" -- #{q:session_name}' }"
		;;
	esac
}

# helper_command ACTION: the action's command, or, while the helper is missing or being
# downloaded or built, the reason in the status line (instead of "cdev: not found" or a job's
# "returned 127"). @cdev-ready is read when the key is pressed.
helper_command() {
	case "$1" in
	sync) action_command "$1" ;;
	*) printf "if-shell -F '#{%s}' { %s } { display-message -d %s '#{%s}' }" "$ready_option" \
		"$(action_command "$1")" "$ready_message_ms" "$build_message_option" ;;
	esac
}

# The actions, each with the option naming its key and the key's default.
cdev_actions() {
	printf '%s %s %s\n' switch "$key_switch_option" "$key_switch_default"
	printf '%s %s %s\n' list "$key_list_option" "$key_list_default"
	printf '%s %s %s\n' next "$key_next_option" "$key_next_default"
	printf '%s %s %s\n' save "$key_save_option" "$key_save_default"
	printf '%s %s %s\n' restore "$key_restore_option" "$key_restore_default"
	printf '%s %s %s\n' sync "$key_sync_option" "$key_sync_default"
	printf '%s %s %s\n' git-status "$key_git_status_option" "$key_git_status_default"
}

# set_alias NAME COMMAND: sets command-alias NAME, reusing its index when cdev set it before, else
# taking the next free index, so re-sourcing never duplicates and user aliases are never replaced.
set_alias() {
	local name=$1 command=$2 index
	index=$(tmux show-options -s command-alias | awk -v name="$name" '
		{
			i = $1; sub(/^command-alias\[/, "", i); sub(/\].*/, "", i)
			if (i + 0 >= next_free) next_free = i + 1
			value = $0; sub(/^[^ ]* /, "", value); sub(/^["'"'"']/, "", value)
			if (index(value, name "=") == 1) found = i
		}
		END { print (found != "" ? found : next_free + 0) }')
	tmux set-option -s "command-alias[$index]" "$name=$command"
}

define_aliases() {
	local action _option _default
	while read -r action _option _default; do
		set_alias "cdev-$action" "$(helper_command "$action")"
	done < <(cdev_actions)
}

# bind_keys: each action's key. A default key that the user already bound to something else is
# left alone (an explicit @cdev-key-* option always binds).
bind_keys() {
	local action option default key current
	while read -r action option default; do
		key=$(get_tmux_option "$option" "$default")
		if [ -z "$key" ] || [ "$key" = none ]; then
			continue
		fi
		if [ -z "$(tmux show-option -gqv "$option")" ]; then
			current=$(tmux list-keys -T prefix -- "$key" 2>/dev/null || true)
			case "$current" in
			'' | *CDEV_BIN*) ;;
			*) continue ;;
			esac
		fi
		tmux bind-key -- "$key" "cdev-$action"
	done < <(cdev_actions)
}
