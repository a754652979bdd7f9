# shellcheck shell=bash
# shellcheck disable=SC2154  # option names and defaults come from variables.sh
# Finding the cdev binary and, when it is missing or stale, getting it in the background: the
# release asset for this platform (checked against SHA256SUMS), else a cargo build. TPM runs .tmux
# files synchronously, so tmux start-up never waits for either.
#
# What the plugin gets goes to bin/cdev, beside bin/cdev.key, which says what it was made from:
# "release VERSION" (downloaded) or "build CHECKSUM" (built from these very sources), so a TPM
# update that changes the sources rebuilds, and one that changes the version downloads again.

# The version this checkout of the plugin expects, from Cargo.toml.
plugin_version() {
	sed -n 's/^version *= *"\(.*\)"/\1/p' "$CDEV_PLUGIN_DIR/Cargo.toml" | head -n 1
}

# binary_matches PATH: PATH runs and reports the plugin's version.
binary_matches() {
	[ -x "$1" ] && [ "$("$1" --version 2>/dev/null)" = "cdev $(plugin_version)" ]
}

installed_binary() {
	printf '%s\n' "$CDEV_PLUGIN_DIR/bin/cdev"
}

# source_key: "build " and a checksum of everything the helper is built from (POSIX cksum, so
# no git and no hashing tool is needed); a few milliseconds for the whole tree.
source_key() {
	local files sum
	files=$(cd "$CDEV_PLUGIN_DIR" && find helper Cargo.toml Cargo.lock -type f 2>/dev/null | LC_ALL=C sort)
	# The names (a rename is a change), then the contents, in one cksum and one cat.
	sum=$(cd "$CDEV_PLUGIN_DIR" && { printf '%s\n' "$files"; printf '%s\n' "$files" | tr '\n' '\0' | xargs -0 cat; } | cksum)
	printf 'build %s\n' "${sum%% *}"
}

# installed_is_current: bin/cdev reports the plugin's version and was made from what is here now:
# the release of this version, or a build of these sources.
installed_is_current() {
	local key
	key=$(cat "$CDEV_PLUGIN_DIR/bin/cdev.key" 2>/dev/null) || return 1
	binary_matches "$(installed_binary)" || return 1
	case "$key" in
	"release $(plugin_version)") return 0 ;;
	"build "*) [ "$key" = "$(source_key)" ] ;;
	*) return 1 ;;
	esac
}

# set_status STATUS: @cdev-build-status, and @cdev-ready (1 when the aliases can run the binary),
# which every key and the status segment test before they use it.
set_status() {
	local ready=0
	case "$1" in
	ok | built | downloaded | mismatch) ready=1 ;;
	esac
	tmux set-option -gq "$build_status_option" "$1"
	tmux set-option -gq "$ready_option" "$ready"
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

# take_lock LOCK: creates the lock directory holding our PID; a lock whose PID is gone (a reboot
# or a kill during a download or build) is taken over. Fails when a live one holds it.
take_lock() {
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

# release_target: the release asset's platform (a Rust target triple), or nothing.
release_target() {
	case "$(uname -s) $(uname -m)" in
	"Linux x86_64" | "Linux amd64") echo x86_64-unknown-linux-musl ;;
	"Linux aarch64" | "Linux arm64") echo aarch64-unknown-linux-musl ;;
	"Darwin x86_64") echo x86_64-apple-darwin ;;
	"Darwin arm64" | "Darwin aarch64") echo aarch64-apple-darwin ;;
	*) return 1 ;;
	esac
}

# fetch URL FILE: downloads URL to FILE; on failure prints the reason (one line) and fails.
fetch() {
	local err
	if command -v curl >/dev/null 2>&1; then
		err=$(curl -fsS --connect-timeout 10 --max-time 300 -o "$2" "$1" 2>&1) && return 0
	elif command -v wget >/dev/null 2>&1; then
		err=$(wget -q -T 30 -O "$2" "$1" 2>&1) && return 0
		err=${err:-wget could not download it}
	else
		echo "neither curl nor wget is installed"
		return 1
	fi
	printf '%s\n' "${err##*$'\n'}"
	return 1
}

sha256_of() {
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum "$1" | awk '{print $1}'
	else
		shasum -a 256 "$1" | awk '{print $1}'
	fi
}

# install_file FILE KEY: moves FILE (in bin/) over bin/cdev and records KEY, each by rename, so
# a reader sees the old binary or the new one, never half of one.
install_file() {
	local bin_dir="$CDEV_PLUGIN_DIR/bin"
	printf '%s\n' "$2" >"$bin_dir/.cdev.key.new" &&
		mv -f "$1" "$bin_dir/cdev" &&
		mv -f "$bin_dir/.cdev.key.new" "$bin_dir/cdev.key"
}

# download_release ID: the release asset of this version for this platform, checked against the
# release's SHA256SUMS and run once before it replaces anything. Prints the reason on failure.
# Its temp files (in bin/, so the last step is a rename) are named after ID and never left.
download_release() {
	local rc=0
	download_checked "$1" || rc=$?
	rm -f "$CDEV_PLUGIN_DIR/bin/.SHA256SUMS.$1" "$CDEV_PLUGIN_DIR/bin/.cdev.download.$1"
	return "$rc"
}

download_checked() {
	local id=$1 version target base asset bin_dir="$CDEV_PLUGIN_DIR/bin" sums tmp want have reason
	version=$(plugin_version)
	base=$(get_tmux_option "$download_url_option" "$download_url_default")
	case "$base" in off | none)
		echo "downloads are off ($download_url_option)"
		return 1
		;;
	esac
	target=$(release_target) || {
		echo "no release is built for $(uname -s) $(uname -m)"
		return 1
	}
	base=${base//\{version\}/$version}
	asset="cdev-$target"
	if ! command -v sha256sum >/dev/null 2>&1 && ! command -v shasum >/dev/null 2>&1; then
		echo "neither sha256sum nor shasum is installed to check it"
		return 1
	fi
	sums="$bin_dir/.SHA256SUMS.$id"
	tmp="$bin_dir/.cdev.download.$id"
	if ! reason=$(fetch "$base/SHA256SUMS" "$sums"); then
		echo "$base/SHA256SUMS: $reason"
		return 1
	fi
	want=$(awk -v asset="$asset" '$2 == asset || $2 == "*" asset { print $1; exit }' "$sums")
	if [ -z "$want" ]; then
		echo "$base/SHA256SUMS has no line for $asset"
		return 1
	fi
	if ! reason=$(fetch "$base/$asset" "$tmp"); then
		echo "$base/$asset: $reason"
		return 1
	fi
	have=$(sha256_of "$tmp")
	if [ "$have" != "$want" ]; then
		echo "$base/$asset: its SHA-256 is $have, SHA256SUMS says $want"
		return 1
	fi
	chmod 755 "$tmp"
	if ! binary_matches "$tmp"; then
		echo "$base/$asset does not run here as cdev $version"
		return 1
	fi
	install_file "$tmp" "release $version"
}

# build_with_cargo CARGO LOG ID: builds the plugin's sources and installs the result into bin/.
build_with_cargo() {
	local cargo=$1 log=$2 key tmp="$CDEV_PLUGIN_DIR/bin/.cdev.build.$3"
	key=$(source_key)
	if "$cargo" build --release --locked --manifest-path "$CDEV_PLUGIN_DIR/Cargo.toml" >>"$log" 2>&1 &&
		binary_matches "$CDEV_PLUGIN_DIR/target/release/cdev" &&
		cp "$CDEV_PLUGIN_DIR/target/release/cdev" "$tmp" &&
		install_file "$tmp" "$key"; then
		return 0
	fi
	rm -f "$tmp"
	return 1
}

# announce_ready STATUS MESSAGE: bin/cdev is in place; links it where the user asked, says so.
announce_ready() {
	local status=$1 message=$2
	link_binary "$(installed_binary)"
	# The message first: whoever waits for the status then reads the message that goes with it.
	cdev_message "$message" "$ready_message_ms"
	set_status "$status"
}

# obtain_in_background: gets bin/cdev without holding up tmux: the release asset first, cargo as
# the fallback; but when bin/cdev was built from source and cargo is here, the sources changed
# (a TPM update), and are built again. A lock keeps two tmux starts from doing it twice at once.
obtain_in_background() {
	local bin_dir="$CDEV_PLUGIN_DIR/bin" lock log cargo mode=download
	lock="$bin_dir/.cdev-install.lock"
	log="$bin_dir/install.log"
	if ! mkdir -p "$bin_dir" 2>/dev/null || ! : >>"$log" 2>/dev/null; then
		set_status failed
		cdev_message "cdev: cannot write to $bin_dir; build the helper by hand: $(manual_build_command)" "$ready_message_ms"
		return 0
	fi
	if ! take_lock "$lock"; then
		tmux set-option -gq "$ready_option" 0
		cdev_message "cdev: the helper is being installed already (log: $log)"
		return 0
	fi
	cargo=$(find_cargo) || cargo=""
	case "$(cat "$bin_dir/cdev.key" 2>/dev/null)" in
	"build "*) [ -n "$cargo" ] && mode=build ;;
	esac
	if [ "$mode" = build ]; then
		set_status building
		cdev_message "cdev: the sources changed; rebuilding the helper in the background (log: $log)"
	else
		set_status downloading
		cdev_message "cdev: downloading the helper in the background (log: $log)"
	fi
	(
		echo "$BASHPID" >"$lock/pid"
		trap 'rm -rf "$lock"' EXIT
		local reason
		if [ "$mode" = download ]; then
			if reason=$(download_release "$BASHPID" 2>&1); then
				rm -rf "$lock" # released before the status says so
				announce_ready downloaded "cdev: helper $(plugin_version) downloaded, ready"
				exit 0
			fi
			echo "download: $reason" >>"$log"
			if [ -z "$cargo" ]; then
				rm -rf "$lock"
				cdev_message "cdev: could not download the helper ($reason), and cargo was not found; install Rust, then run: $(manual_build_command)" "$ready_message_ms"
				set_status no-cargo
				exit 0
			fi
			cdev_message "cdev: could not download the helper ($reason); building it with cargo in the background (log: $log)" "$ready_message_ms"
			set_status building
		fi
		if build_with_cargo "$cargo" "$log" "$BASHPID"; then
			rm -rf "$lock"
			announce_ready built "cdev: helper built, ready"
		else
			rm -rf "$lock"
			cdev_message "cdev: building the helper failed (log: $log); build it by hand: $(manual_build_command)" "$ready_message_ms"
			set_status failed
		fi
	) </dev/null >/dev/null 2>&1 &
	disown
}

# link_binary BIN: with @cdev-link-bin set (a directory, or "on" for ~/.local/bin), makes
# DIR/cdev a symlink to BIN, so `cdev …` works in any shell. A cdev there that is not a symlink
# (the user's own install) is left alone and reported.
link_binary() {
	local dir link
	dir=$(get_tmux_option "$link_bin_option" "$link_bin_default")
	case "$dir" in
	'' | off | none) return 0 ;;
	on) dir="$HOME/.local/bin" ;;
	"~"/*) dir="$HOME/${dir#"~/"}" ;;
	esac
	link="$dir/cdev"
	if [ -e "$link" ] && [ ! -L "$link" ]; then
		cdev_message "cdev: $link exists and is not cdev's link; $link_bin_option left it alone"
		return 0
	fi
	if ! { mkdir -p "$dir" 2>/dev/null && ln -sfn "$1" "$link.cdev-new" && mv -f "$link.cdev-new" "$link"; }; then
		cdev_message "cdev: could not link $link to $1 ($link_bin_option)"
	fi
}

# resolve_binary: prints the binary the plugin will run, starting a download or build when it has
# to. Order: @cdev-bin when set (an explicit choice wins), then the plugin's own bin/cdev when it is
# current, then cdev on PATH when its version matches; else bin/cdev, obtained in the background.
resolve_binary() {
	local explicit own on_path
	own=$(installed_binary)
	explicit=$(get_tmux_option "$cdev_bin_option" "$cdev_bin_default")
	if [ -n "$explicit" ]; then
		if binary_matches "$explicit"; then
			set_status ok
		else
			set_status mismatch
			cdev_message "cdev: $cdev_bin_option ($explicit) does not report cdev $(plugin_version)"
		fi
		printf '%s\n' "$explicit"
		return
	fi
	on_path=$(command -v cdev 2>/dev/null || true)
	if installed_is_current; then
		set_status ok
		link_binary "$own"
		printf '%s\n' "$own"
	# A cdev on PATH that is bin/cdev itself (@cdev-link-bin's link) is no other install.
	elif [ -n "$on_path" ] && ! [ "$on_path" -ef "$own" ] && binary_matches "$on_path"; then
		set_status ok
		printf '%s\n' "$on_path"
	else
		obtain_in_background
		printf '%s\n' "$own"
	fi
}
