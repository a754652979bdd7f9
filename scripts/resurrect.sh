# shellcheck shell=bash
# shellcheck disable=SC2154  # option names and defaults come from variables.sh
# tmux-resurrect and tmux-continuum: cdev's hooks, chained after any the user set, and the
# recommended settings where the user has set none. Resurrect evals a hook as "$hook $args" (its
# arguments quoted with %q), so a chained hook is a function that passes them to both.

# register_resurrect_hook KIND: @resurrect-hook-KIND runs `cdev resurrect KIND`, after the
# user's own hook when there is one (kept in @cdev-resurrect-user-hook-KIND, so re-sourcing never
# wraps twice).
register_resurrect_hook() {
	local kind=$1 option="@resurrect-hook-$1" saved="@cdev-resurrect-user-hook-$1" current user
	# shellcheck disable=SC2016  # $CDEV_BIN and "$@" are for resurrect's eval, not this shell
	local ours='"$CDEV_BIN" resurrect '"$kind"
	current=$(tmux show-option -gqv "$option")
	case "$current" in
	*"resurrect $kind"*) user=$(tmux show-option -gqv "$saved") ;;
	*)
		user=$current
		tmux set-option -gq "$saved" "$user"
		;;
	esac
	if [ -z "$user" ]; then
		tmux set-option -gq "$option" "$ours"
	else
		local name="cdev_resurrect_${kind//-/_}"
		# shellcheck disable=SC2016
		tmux set-option -gq "$option" "$name() { $user \"\$@\"; $ours \"\$@\"; }; $name"
	fi
}

register_resurrect_hooks() {
	local kind
	for kind in post-save-layout post-save-all pre-restore-all post-restore-all; do
		register_resurrect_hook "$kind"
	done
}

# The recommended resurrect and continuum settings, each only where the user set nothing.
apply_resurrect_defaults() {
	[ "$(get_tmux_option "$resurrect_defaults_option" "$resurrect_defaults_default")" = on ] || return 0
	local pair option value
	for pair in "@resurrect-capture-pane-contents=on" "@resurrect-strategy-nvim=session" \
		"@continuum-restore=on" "@continuum-save-interval=15"; do
		option=${pair%%=*}
		value=${pair#*=}
		if [ -z "$(tmux show-option -gqv "$option")" ]; then
			tmux set-option -gq "$option" "$value"
		fi
	done
}
