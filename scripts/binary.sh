# shellcheck shell=bash
# shellcheck disable=SC2154  # option names and defaults come from variables.sh
# Finding the cdev binary and, when it is missing or stale, building it in the background: TPM runs
# .tmux files synchronously, so tmux start-up must never wait for cargo.

# The version this checkout of the plugin expects, from Cargo.toml.
plugin_version() {
	sed -n 's/^version *= *"\(.*\)"/\1/p' "$CDEV_PLUGIN_DIR/Cargo.toml" | head -n 1
}

# binary_matches PATH: PATH runs and reports the plugin's version.
binary_matches() {
	[ -x "$1" ] && [ "$("$1" --version 2>/dev/null)" = "cdev $(plugin_version)" ]
}

find_cargo() {
	if command -v cargo >/dev/null 2>&1; then
		command -v cargo
	elif [ -x "$HOME/.cargo/bin/cargo" ]; then
		printf '%s\n' "$HOME/.cargo/bin/cargo"
	else
		return 1
	fi
}

# The command a user runs to build the helper by hand, quoted for a shell.
manual_build_command() {
	printf 'cargo build --release --manifest-path %q' "$CDEV_PLUGIN_DIR/Cargo.toml"
}

# build_in_background CARGO: builds the plugin's own binary; when done, updates the status and
# tells the user. A lock directory keeps two tmux starts from running two builds.
build_in_background() {
	local cargo=$1 lock="$CDEV_PLUGIN_DIR/target/.cdev-build.lock" log="$CDEV_PLUGIN_DIR/target/cdev-build.log"
	mkdir -p "$CDEV_PLUGIN_DIR/target"
	mkdir "$lock" 2>/dev/null || return 0
	tmux set-option -gq "$build_status_option" building
	cdev_message "cdev: building the helper in the background (log: $log)"
	(
		trap 'rmdir "$lock"' EXIT
		if "$cargo" build --release --manifest-path "$CDEV_PLUGIN_DIR/Cargo.toml" >"$log" 2>&1 &&
			binary_matches "$CDEV_PLUGIN_DIR/target/release/cdev"; then
			tmux set-option -gq "$build_status_option" built
			cdev_message "cdev: helper built, ready"
		else
			tmux set-option -gq "$build_status_option" failed
			cdev_message "cdev: building the helper failed (log: $log); build it by hand: $(manual_build_command)"
		fi
	) </dev/null >/dev/null 2>&1 &
	disown
}

# resolve_binary: prints the binary the plugin will run, starting a build when it has to.
# Order: @cdev-bin when set (an explicit choice wins), then the plugin's own target/release/cdev,
# then cdev on PATH, each only when its version matches the plugin; else build the plugin's own.
resolve_binary() {
	local explicit own="$CDEV_PLUGIN_DIR/target/release/cdev" on_path cargo
	explicit=$(get_tmux_option "$cdev_bin_option" "$cdev_bin_default")
	if [ -n "$explicit" ]; then
		if binary_matches "$explicit"; then
			tmux set-option -gq "$build_status_option" ok
		else
			tmux set-option -gq "$build_status_option" mismatch
			cdev_message "cdev: $cdev_bin_option ($explicit) does not report cdev $(plugin_version)"
		fi
		printf '%s\n' "$explicit"
		return
	fi
	on_path=$(command -v cdev 2>/dev/null || true)
	if binary_matches "$own"; then
		tmux set-option -gq "$build_status_option" ok
		printf '%s\n' "$own"
	elif [ -n "$on_path" ] && binary_matches "$on_path"; then
		tmux set-option -gq "$build_status_option" ok
		printf '%s\n' "$on_path"
	elif cargo=$(find_cargo); then
		build_in_background "$cargo"
		printf '%s\n' "$own"
	else
		tmux set-option -gq "$build_status_option" no-cargo
		cdev_message "cdev: the helper is missing and cargo was not found; install Rust, then run: $(manual_build_command)"
		printf '%s\n' "$own"
	fi
}
