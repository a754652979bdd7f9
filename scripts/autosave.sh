# shellcheck shell=bash
# cdev's own autosave (see helper/autosave.rs): tmux hooks that ask for a save whenever sessions,
# windows or panes change, without waiting for it (run-shell -b) and without starting a second
# process while a request is already pending. The helper does the rest (and reads
# @cdev-autosave and @cdev-autosave-interval).

# The events that change what a snapshot holds, among the hooks tmux 3.2+ has (there are no
# after-break-pane, -join-pane, -move-window or -swap-* hooks: window-linked and window-unlinked
# see windows made, moved and closed; what they miss, the interval catches).
autosave_hooks="session-created session-renamed window-linked window-unlinked after-split-window
after-kill-pane pane-exited after-rename-window after-select-layout"

# A helper not built yet (or too old for --auto) must not put an error on the screen.
# shellcheck disable=SC2016  # $CDEV_BIN is for the shell run-shell starts
autosave_command='"$CDEV_BIN" save --auto 2>/dev/null || :'

register_autosave_hooks() {
	local request hook
	request="if-shell -F '#{@cdev_autosave_pending}' '' { set-option -g @cdev_autosave_pending 1 ; run-shell -b '$autosave_command' }"
	for hook in $autosave_hooks; do
		set_hook_entry "$hook" "$request" "@cdev_autosave_pending"
	done
	# A first save (which starts the interval timer) as soon as the plugin loads.
	tmux set-option -g @cdev_autosave_pending 1
	tmux run-shell -b "$autosave_command"
}
