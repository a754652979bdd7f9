# shellcheck shell=bash
# shellcheck disable=SC2154  # option names and defaults come from variables.sh
# Agent awareness in tmux itself: the #{cdev_status} and #{cdev_window_status} placeholders, and
# the hooks that clear "done" once you look at the pane.

# tmux_format_escape TEXT: TEXT safe inside a #{?…,…,…} branch.
tmux_format_escape() {
	local text=${1//#/##}
	text=${text//,/#,}
	printf '%s' "${text//\}/#\}}"
}

# window_marker: a format showing the most urgent agent state among the window's panes (no
# process runs: #{P:…} loops over the panes inside tmux).
window_marker() {
	local states='#{P:#{@cdev_agent_state} }' format='' state icon close=''
	for state in waiting error 'done' working; do
		case "$state" in
		waiting) icon=$(get_tmux_option "$icon_waiting_option" "$icon_waiting_default") ;;
		error) icon=$(get_tmux_option "$icon_error_option" "$icon_error_default") ;;
		done) icon=$(get_tmux_option "$icon_done_option" "$icon_done_default") ;;
		working) icon=$(get_tmux_option "$icon_working_option" "$icon_working_default") ;;
		esac
		format+="#{?#{m:*${state}*,${states}},$(tmux_format_escape "$icon"),"
		close+='}'
	done
	printf '%s' "$format$close"
}

# replace_placeholder SCOPE OPTION PLACEHOLDER VALUE: rewrites the option when it holds the
# placeholder. Themes that set these options after cdev loads overwrite the result: load cdev last.
replace_placeholder() {
	local scope=$1 option=$2 placeholder=$3 replacement=$4 value
	value=$(tmux show-option "$scope" -qv "$option")
	case "$value" in
	*"$placeholder"*) tmux set-option "$scope" -q "$option" "${value//"$placeholder"/"$replacement"}" ;;
	esac
}

# interpolate_status BIN: #{cdev_status} becomes the #(cdev status) job, refreshed every
# status-interval, or with @cdev-status-mode "format" (once the helper is built) the segment as a
# tmux format compiled by the helper: no process, updated at every redraw.
interpolate_status() {
	local bin=$1 command_segment status_segment marker option
	# shellcheck disable=SC2016  # $CDEV_BIN is for the shell that runs #(…), not this one
	command_segment='#("$CDEV_BIN" status)'
	status_segment=$command_segment
	if [ "$(get_tmux_option "$status_mode_option" "$status_mode_default")" = format ] &&
		binary_matches "$bin"; then
		status_segment=$("$bin" status --tmux-format) || status_segment=$command_segment
	fi
	marker=$(window_marker)
	for option in status-left status-right; do
		replace_placeholder -g "$option" '#{cdev_status}' "$status_segment"
	done
	for option in window-status-format window-status-current-format; do
		replace_placeholder -gw "$option" '#{cdev_window_status}' "$marker"
	done
}

# set_hook_entry HOOK COMMAND: adds COMMAND to the hook's array, reusing the index cdev used
# before (re-sourcing never duplicates it) and never replacing the user's own entries.
set_hook_entry() {
	local hook=$1 command=$2 index
	index=$(tmux show-hooks -g "$hook" 2>/dev/null | awk -v marker="@cdev_agent_state" '
		{
			i = $1; sub(/^[^[]*\[/, "", i); sub(/\].*/, "", i)
			if (i + 0 >= next_free) next_free = i + 1
			if (index($0, marker) > 0) found = i
		}
		END { print (found != "" ? found : next_free + 0) }')
	tmux set-hook -g "${hook}[$index]" "$command"
}

# A finished agent stays "done" until its pane is looked at: whichever way the pane comes into
# view (select-pane, last-pane, kill-pane, mouse, window and session switches, attaching, focus),
# the pane that is then current is marked idle if it was done and a client shows its window.
register_focus_hooks() {
	local seen='#{&&:#{==:#{@cdev_agent_state},done},#{&&:#{session_attached},#{window_active}}}'
	local clear="if-shell -F \"$seen\" \"set-option -p @cdev_agent_state idle\"" hook
	for hook in after-select-pane after-select-window window-pane-changed session-window-changed \
		client-session-changed client-attached pane-focus-in; do
		set_hook_entry "$hook" "$clear"
	done
}
