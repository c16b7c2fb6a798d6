# Sourced by the scripts that fetch from Debian without installing
# anything (fetch-qemu-backport.sh, fetch-lwip.sh): apt with a private
# configuration under one folder, one sources entry of our own, its own
# lists and cache, the machine's left alone.
#
#   private_apt DIR TYPE SUITE NAME   (TYPE deb or deb-src; NAME for messages)
#
# sets APT (the options to pass apt-get) and runs apt-get update, or exits
# with a message naming the log.
private_apt() {
    # the same mirror the machine uses for Debian
    uri=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
    [ -n "$uri" ] || uri=$(sed -n 's/^deb \(http[^ ]*debian\/*\) bookworm .*/\1/p' /etc/apt/sources.list 2>/dev/null | head -n1)
    [ -n "$uri" ] || uri=http://deb.debian.org/debian
    mkdir -p "$1/apt/parts" "$1/apt/lists/partial" "$1/apt/archives/partial"
    cat >"$1/apt/parts/$3-$2.sources" <<SRC
Types: $2
URIs: $uri
Suites: $3
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    APT="-q -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::sourceparts=$1/apt/parts
         -o Dir::State::Lists=$1/apt/lists -o Dir::Cache::Archives=$1/apt/archives
         -o Debug::NoLocking=1 -o APT::Sandbox::User=root"
    # shellcheck disable=SC2086
    apt-get $APT update >"$1/apt/update.log" 2>&1 \
        || { echo "$4: apt-get update failed, see $1/apt/update.log" >&2; exit 1; }
}
