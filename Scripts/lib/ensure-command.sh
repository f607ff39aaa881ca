# Source it, then `ensure_command COMMAND PACKAGE WHO`: installs the Debian package PACKAGE with
# apt-get when COMMAND is missing (as root), else exits naming the command to run. Idempotent.
ensure_command() {
    local command=$1 package=$2 who=$3
    command -v "$command" >/dev/null 2>&1 && return 0
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "$who: installing $package with apt-get"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null 2>&1 ||
            { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null; }
    else
        echo "$who: $command is missing; install it with: sudo apt-get install -y $package" >&2
        exit 1
    fi
}
