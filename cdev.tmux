#!/usr/bin/env bash
# cdev's TPM entry point: finds (or builds, in the background) the helper, defines command aliases
# for each action and binds their keys. All real work is done by the `cdev` binary.

CDEV_PLUGIN_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# shellcheck source=scripts/variables.sh
source "$CDEV_PLUGIN_DIR/scripts/variables.sh"
# shellcheck source=scripts/helpers.sh
source "$CDEV_PLUGIN_DIR/scripts/helpers.sh"
# shellcheck source=scripts/binary.sh
source "$CDEV_PLUGIN_DIR/scripts/binary.sh"
# shellcheck source=scripts/aliases.sh
source "$CDEV_PLUGIN_DIR/scripts/aliases.sh"
# shellcheck source=scripts/agents.sh
source "$CDEV_PLUGIN_DIR/scripts/agents.sh"
# shellcheck source=scripts/resurrect.sh
source "$CDEV_PLUGIN_DIR/scripts/resurrect.sh"
# shellcheck source=scripts/autosave.sh
source "$CDEV_PLUGIN_DIR/scripts/autosave.sh"
# shellcheck source=scripts/watcher.sh
source "$CDEV_PLUGIN_DIR/scripts/watcher.sh"

main() {
	if ! tmux_version_at_least "$minimum_tmux_version"; then
		cdev_message "cdev: tmux $minimum_tmux_version or newer is needed (this is $(tmux -V))"
		return 0
	fi
	local bin
	bin=$(resolve_binary)
	# Aliases and popups run "$CDEV_BIN": a path held in the environment is never re-parsed by tmux.
	tmux set-option -gq "$bin_path_option" "$bin"
	tmux set-environment -g CDEV_BIN "$bin"
	define_aliases
	bind_keys
	interpolate_status "$bin"
	fit_status_left
	register_focus_hooks
	start_watcher "$bin"
	register_resurrect_hooks
	apply_resurrect_defaults
	register_autosave_hooks
}
main
