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
	printf 'cargo build --release --locked --manifest-path %q' "$CDEV_PLUGIN_DIR/Cargo.toml"
}

# take_build_lock LOCK: creates the lock directory holding our PID; a lock whose PID is gone (a
# reboot or a kill during a build) is taken over. Fails when a live build holds it.
take_build_lock() {
	local lock=$1 holder
	if ! mkdir "$lock" 2>/dev/null; then
		holder=$(cat "$lock/pid" 2>/dev/null)
		if [ -n "$holder" ] && kill -0 "$holder" 2>/dev/null; then
			return 1
		fi
		rm -rf "$lock"
		mkdir "$lock" 2>/dev/null || return 1
	fi
	echo "$$" >"$lock/pid"
}

# build_in_background CARGO: builds the plugin's own binary; when done, updates the status and
# tells the user. A lock keeps two tmux starts from running two builds at once.
build_in_background() {
	local cargo=$1 lock="$CDEV_PLUGIN_DIR/target/.cdev-build.lock" log="$CDEV_PLUGIN_DIR/target/cdev-build.log"
	if ! mkdir -p "$CDEV_PLUGIN_DIR/target" 2>/dev/null || ! touch "$log" 2>/dev/null; then
		tmux set-option -gq "$build_status_option" failed
		cdev_message "cdev: cannot write to $CDEV_PLUGIN_DIR/target; build the helper by hand: $(manual_build_command)"
		return 0
	fi
	tmux set-option -gq "$build_status_option" building
	if ! take_build_lock "$lock"; then
		cdev_message "cdev: the helper is being built already (log: $log)"
		return 0
	fi
	cdev_message "cdev: building the helper in the background (log: $log)"
	(
		echo "$BASHPID" >"$lock/pid"
		trap 'rm -rf "$lock"' EXIT
		if "$cargo" build --release --locked --manifest-path "$CDEV_PLUGIN_DIR/Cargo.toml" >"$log" 2>&1 &&
			binary_matches "$CDEV_PLUGIN_DIR/target/release/cdev"; then
			rm -rf "$lock" # released before the status says so
			tmux set-option -gq "$build_status_option" built
			cdev_message "cdev: helper built, ready"
		else
			rm -rf "$lock"
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
