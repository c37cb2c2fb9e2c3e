#!/usr/bin/env bash
# Installs the Debian packages a make target needs, only when they are missing.
#   scripts/install-deps.sh build|test|bench
set -euo pipefail

need=()
want() { # want <package> <probe command…>: queue the package when the probe fails
    local package=$1; shift
    if ! "$@" >/dev/null 2>&1; then need+=("$package"); fi
}

build_deps() {
    want libcurl4-openssl-dev bash -c 'ls /usr/include/*/curl/curl.h /usr/include/curl/curl.h 2>/dev/null | grep -q curl.h'
    want libargon2-dev test -f /usr/include/argon2.h
}

case "${1:-build}" in
    build) build_deps ;;
    test)
        build_deps
        want postgresql bash -c 'ls /usr/lib/postgresql/*/bin/initdb'
        want python3-venv python3 -c 'import venv, ensurepip'
        ;;
    bench)
        build_deps
        want wrk command -v wrk
        want postgresql bash -c 'ls /usr/lib/postgresql/*/bin/initdb'
        ;;
    *) echo "usage: $0 build|test|bench" >&2; exit 64 ;;
esac

if ! command -v swift >/dev/null 2>&1; then
    echo "swift is not on PATH; install the Swift 6 toolchain first (https://swift.org/install)" >&2
    exit 1
fi

if [ ${#need[@]} -gt 0 ]; then
    echo "installing: ${need[*]}"
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    # Debian starts a cluster on install; the tests run their own servers, so stop it.
    if [[ " ${need[*]} " == *" postgresql "* ]] && command -v pg_ctlcluster >/dev/null; then
        $sudo bash -c 'for c in /etc/postgresql/*/main; do v=$(basename "$(dirname "$c")"); pg_ctlcluster "$v" main stop 2>/dev/null || true; done'
    fi
fi
