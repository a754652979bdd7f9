# shellcheck shell=bash
# The agent watcher: one `cdev claude watch` per tmux server, which notices the interrupts (Esc
# mid-turn, a refused permission prompt) that Claude Code reports to no hook. A tmux job, so it
# gets the server's environment and ends with the server; a second start (cdev.tmux sourced
# again) finds the first one's lock and exits at once.

# start_watcher BIN: starts the watcher when BIN is the plugin's helper (not yet built: the next
# load of cdev.tmux starts it).
start_watcher() {
	binary_matches "$1" || return 0
	# shellcheck disable=SC2016  # $CDEV_BIN is for the job's shell: a path never re-parsed
	tmux run-shell -b '"$CDEV_BIN" claude watch'
}
