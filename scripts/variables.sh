# shellcheck shell=bash
# shellcheck disable=SC2034  # the variables are read by the files that source this one
# Every @cdev-* option that cdev.tmux reads, with its default: declared here once, read through
# get_tmux_option. Options the helper itself reads (@cdev-prefix, @cdev-projects-dirs) are listed in
# the README; the helper documents and validates them.

# Path of the cdev binary; empty means: the plugin's own bin/cdev, then cdev on PATH, else the
# release asset downloaded, else a cargo build.
cdev_bin_option="@cdev-bin"
cdev_bin_default=""

# Where the release assets of a version are: {version} becomes the plugin's version; the files
# are cdev-<target triple> and SHA256SUMS. "off" skips the download (cargo builds it).
download_url_option="@cdev-download-url"
download_url_default="https://github.com/cdev-tmux/cdev/releases/download/v{version}"

# A directory on PATH (or "on" for ~/.local/bin) to put a `cdev` symlink to the plugin's binary
# into, so `cdev …` works in every shell; empty: none.
link_bin_option="@cdev-link-bin"
link_bin_default=""

# Key (after the prefix) that shows `cdev list` in a popup; empty or "none" binds nothing.
# Chosen among keys that tmux, tmux-resurrect (C-s, C-r) and tmux-continuum leave unbound.
key_list_option="@cdev-key-list"
key_list_default="O"

# Keys (after the prefix) that save the current session, and replace it with its last snapshot
# (asks first; the live session is saved before it is replaced). Not tmux-resurrect's C-s / C-r.
key_save_option="@cdev-key-save"
key_save_default="M-s"
key_restore_option="@cdev-key-restore"
key_restore_default="M-r"

# Key (after the prefix) that opens the picker (`cdev switch`): any session or project.
key_switch_option="@cdev-key-switch"
key_switch_default="T"

# The classic keys: toggle synchronize-panes (with an ON/OFF message), and `git status` typed into
# the session's git pane (the pane whose template role is git).
key_sync_option="@cdev-key-sync"
key_sync_default="S"
key_git_status_option="@cdev-key-git-status"
key_git_status_default="g"

# Key (after the prefix) that jumps to the agent that has waited longest.
key_next_option="@cdev-key-next"
key_next_default="N"

# How #{cdev_status} is computed: "command" runs #(cdev status) every status-interval (one short
# process, little work for the server); "format" lets tmux compute it at every redraw (instant,
# no process, but about 2 ms of server time per redraw at 20 sessions, 10 ms at 100).
status_mode_option="@cdev-status-mode"
status_mode_default="command"

# Icons for agent states, used by the window marker (#{cdev_window_status}) and, unless
# @cdev-status-format says otherwise, by the status segment (#{cdev_status}).
icon_waiting_option="@cdev-icon-waiting"
icon_waiting_default="⏳"
icon_error_option="@cdev-icon-error"
icon_error_default="✗"
icon_done_option="@cdev-icon-done"
icon_done_default="✓"
icon_working_option="@cdev-icon-working"
icon_working_default="⚙"

# #{cdev_agents}: one glyph per agent, states in this order (others are not shown), each glyph in
# its state's style (a tmux style, e.g. "fg=red,bold"; empty: the surrounding style).
agents_states_option="@cdev-agents-states"
agents_states_default="waiting error done working"
style_waiting_option="@cdev-style-waiting"
style_waiting_default="fg=colour214,bold"
style_error_option="@cdev-style-error"
style_error_default="fg=red,bold"
style_done_option="@cdev-style-done"
style_done_default=""
style_working_option="@cdev-style-working"
style_working_default=""
icon_idle_option="@cdev-icon-idle"
icon_idle_default="·"
style_idle_option="@cdev-style-idle"
style_idle_default=""

# Apply the recommended tmux-resurrect / tmux-continuum settings where unset: on | off.
resurrect_defaults_option="@cdev-resurrect-defaults"
resurrect_defaults_default="on"

# status-left-length cdev sets where the user left tmux's default (10, which shows "[claude-de"):
# room for "[claude-dev-" and a 28-character project name.
status_left_length_default=40

# Popup size, in cells or percent of the client.
popup_width_option="@cdev-popup-width"
popup_width_default="80%"
popup_height_option="@cdev-popup-height"
popup_height_default="60%"

# Set by cdev.tmux for the user and for `cdev doctor`, not to be set by hand:
#   @cdev-bin-path       the binary the aliases run (also exported as CDEV_BIN in the global env)
#   @cdev-build-status   ok | downloading | downloaded | building | built | failed | no-cargo | mismatch
#   @cdev-build-message  the last message cdev.tmux showed about the binary
#   @cdev-ready          1 when the binary can run; every key and the status segment test it and
#                        otherwise show @cdev-build-message instead of failing
bin_path_option="@cdev-bin-path"
build_status_option="@cdev-build-status"
build_message_option="@cdev-build-message"
ready_option="@cdev-ready"

# How long messages about the helper (ready, failed) stay in the status line, in milliseconds;
# a key press clears them sooner. tmux's own display-time (750 ms) is too short to read them.
ready_message_ms=10000

# The oldest tmux cdev supports: 3.2 brought display-popup and the format modifiers cdev uses.
minimum_tmux_version="3.2"
