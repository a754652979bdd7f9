# shellcheck shell=bash
# shellcheck disable=SC2154  # option names and defaults come from variables.sh
# Agent awareness in tmux itself: the #{cdev_status}, #{cdev_agents}, #{cdev_usage} and
# #{cdev_window_status} placeholders, and the hooks that clear "done" once you look at the pane.

# tmux_format_escape TEXT: TEXT safe inside a #{?…,…,…} branch.
tmux_format_escape() {
	local text=${1//#/##}
	text=${text//,/#,}
	printf '%s' "${text//\}/#\}}"
}

# state_setting KIND STATE: the user's @cdev-KIND-STATE (icon or style), else cdev's default,
# read through the KIND_STATE_option / KIND_STATE_default pairs in variables.sh.
state_setting() {
	local option="${1}_${2}_option" default="${1}_${2}_default"
	get_tmux_option "${!option}" "${!default}"
}

# tmux_style_escape STYLE: a style safe inside a #{?…,…,…} branch (its "#[" must stay a style).
tmux_style_escape() {
	local text=${1//,/#,}
	printf '%s' "${text//\}/#\}}"
}

# window_marker: a format showing the most urgent agent state among the window's panes (no
# process runs: #{P:…} loops over the panes inside tmux).
window_marker() {
	local states='#{P:#{@cdev_agent_state} }' format='' state close=''
	for state in waiting error 'done' working; do
		format+="#{?#{m:*${state}*,${states}},$(tmux_format_escape "$(state_setting icon "$state")"),"
		close+='}'
	done
	printf '%s' "$format$close"
}

# agents_segment: #{cdev_agents}, one glyph per agent (@cdev-agents-states, in that order), each
# in its state's style; empty without agents. A pure format: tmux loops over every pane itself at
# each redraw, and the hook's set-option redraws every client, so a change shows at once.
agents_segment() {
	local format='' state glyph style
	for state in $(get_tmux_option "$agents_states_option" "$agents_states_default"); do
		# Only known states: the name is spliced into the format.
		case "$state" in
		waiting | error | 'done' | working | idle) ;;
		*) continue ;;
		esac
		glyph=$(tmux_format_escape "$(state_setting icon "$state")")
		style=$(state_setting style "$state")
		if [ -n "$style" ]; then
			glyph="#[$(tmux_style_escape "$style")]$glyph#[default]"
		fi
		# Sessions in a group share their windows: only the group's first member is counted
		# (the same condition as ONE_SESSION_PER_GROUP in helper/agent/status.rs).
		format+="#{S:#{?#{?#{session_grouped},#{==:#{session_name},#{s/,.*//:session_group_list}},1},#{W:#{P:#{?#{==:#{@cdev_agent_state},$state},$glyph,}}},}}"
	done
	printf '%s' "$format"
}

# usage_segment: #{cdev_usage}, what every agent cost today and the account's tightest rate-limit
# window (`$1.23 5h 42%`), from the server options `cdev claude statusline` keeps (named in
# helper/agent/usage.rs). A pure format; `%Y-%m-%d` is the status line's strftime: yesterday's
# total is not shown as today's.
usage_segment() {
	printf '%s' '#{?#{==:#{@cdev_cost_day},%Y-%m-%d},$#{e|+|f|2:#{@cdev_cost_today},0},}#{?#{@cdev_rate}, #{@cdev_rate},}'
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

# not_ready_segment: what #{cdev_status} shows while the helper is not ready, as a format.
not_ready_segment() {
	local status="#{$build_status_option}"
	printf '%s' "#{?#{==:$status,downloading},cdev: downloading the helper…,#{?#{==:$status,building},cdev: building the helper…,cdev: no helper (tmux show -gv $build_message_option)}}"
}

# interpolate_status BIN: #{cdev_status} becomes the #(cdev status) job, refreshed every
# status-interval, or with @cdev-status-mode "format" (once the helper is built) the segment as a
# tmux format compiled by the helper: no process, updated at every redraw.
interpolate_status() {
	local bin=$1 command_segment status_segment marker agents usage option
	# The ": N" is the state-change counter the hook handler and the focus hooks bump: a job whose
	# command changed is re-run at the next redraw, so the segment follows at once, not at the next
	# status-interval. #{e|+:…,0} is always a number, whatever the option holds.
	# shellcheck disable=SC2016  # $CDEV_BIN is for the shell that runs #(…), not this one
	command_segment='#("$CDEV_BIN" status; : #{e|+:#{@cdev_status_epoch},0})'
	# Until the helper is ready (downloading, building, missing) the segment says so instead;
	# tmux expands only the branch it takes, so no job runs meanwhile.
	command_segment="#{?#{$ready_option},$command_segment,$(not_ready_segment)}"
	status_segment=$command_segment
	if [ "$(get_tmux_option "$status_mode_option" "$status_mode_default")" = format ] &&
		binary_matches "$bin"; then
		status_segment=$("$bin" status --tmux-format) || status_segment=$command_segment
	fi
	marker=$(window_marker)
	agents=$(agents_segment)
	usage=$(usage_segment)
	for option in status-left status-right; do
		replace_placeholder -g "$option" '#{cdev_status}' "$status_segment"
		replace_placeholder -g "$option" '#{cdev_agents}' "$agents"
		replace_placeholder -g "$option" '#{cdev_usage}' "$usage"
	done
	for option in window-status-format window-status-current-format; do
		replace_placeholder -gw "$option" '#{cdev_window_status}' "$marker"
	done
}

# set_hook_entry HOOK COMMAND [MARKER]: adds COMMAND to the hook's array, reusing the index of
# cdev's entry that holds MARKER (default: the focus hooks' @cdev_agent_state), so re-sourcing
# never duplicates it, and never replacing the user's own entries.
set_hook_entry() {
	local hook=$1 command=$2 marker=${3:-@cdev_agent_state} index
	index=$(tmux show-hooks -g "$hook" 2>/dev/null | awk -v marker="$marker" '
		{
			i = $1; sub(/^[^[]*\[/, "", i); sub(/\].*/, "", i)
			if (i + 0 >= next_free) next_free = i + 1
			if (index($0, marker) > 0) found = i
		}
		END { print (found != "" ? found : next_free + 0) }')
	tmux set-hook -g "${hook}[$index]" "$command"
}

# A finished agent stays "done" until its pane is looked at: whichever way a window comes into
# view (select-pane, last-pane, kill-pane, mouse, window and session switches, attaching, focus),
# every done pane a client then shows is marked idle. "Shown" as tmux draws it: the window is its
# session's current window, a client is attached to the session, and the pane is not hidden behind
# another one's zoom. run-shell -C expands the #{P:…} loop into one set-option per such pane (no
# process: -C runs tmux commands).
register_focus_hooks() {
	local shown='#{&&:#{session_attached},#{window_active}}'
	local visible_done='#{&&:#{==:#{@cdev_agent_state},done},#{||:#{pane_active},#{?window_zoomed_flag,0,1}}}'
	local clear="#{P:#{?$visible_done,set-option -p -t #{pane_id} @cdev_agent_state idle ;,}}"
	local bump='#{?#{m:*done*,#{P:#{@cdev_agent_state} }},set-option -g @cdev_status_epoch #{e|+:#{@cdev_status_epoch},1},}'
	local command="if-shell -F \"$shown\" \"run-shell -C '$clear $bump'\"" hook
	for hook in after-select-pane after-select-window window-pane-changed session-window-changed \
		client-session-changed client-attached pane-focus-in; do
		set_hook_entry "$hook" "$command"
	done
}

# fit_status_left: tmux's default status-left-length (10) cuts every cdev session name to
# "[claude-de"; where the user left it at that default, make room for a prefixed project name.
fit_status_left() {
	if [ "$(tmux show-option -gqv status-left-length)" = 10 ]; then
		tmux set-option -gq status-left-length "$status_left_length_default"
	fi
}
