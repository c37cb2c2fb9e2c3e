#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests, from Debian's binaries, in a directory of its own.
#   scripts/postgres.sh start DIR     start a server in DIR (created), print its URL
#   scripts/postgres.sh stop DIR      stop it and delete DIR
#   scripts/postgres.sh run CMD…      start one, run CMD with LINTEL_TEST_POSTGRES_URL set, stop it
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "PostgreSQL is not installed (scripts/install-deps.sh test)" >&2; exit 1; }

as_owner() { # PostgreSQL refuses to run as root: run as the postgres user then
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

close_inherited_fds() { # the daemon must not keep the caller's pipes or sockets open (a parent waiting for EOF would hang)
    local fd
    for fd in $(ls /proc/$$/fd 2>/dev/null); do
        [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null || true
    done
}

start() {
    local dir=$1 port
    close_inherited_fds
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U lintel --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    for attempt in 1 2 3 4 5; do
        port=$(free_port)
        if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=1000" >/dev/null; then
            echo "$port" >"$dir/port"
            echo "postgres://lintel@127.0.0.1:$port/postgres"
            return 0
        fi
    done
    cat "$dir/server.log" >&2
    exit 1
}

stop() {
    local dir=$1
    [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}

case "${1:-}" in
    start) start "$2" ;;
    stop) stop "$2" ;;
    run)
        shift
        dir=$(mktemp -d /tmp/lintel-pg.XXXXXX)
        trap 'stop "$dir"' EXIT
        LINTEL_TEST_POSTGRES_URL=$(start "$dir")
        export LINTEL_TEST_POSTGRES_URL
        echo "PostgreSQL for tests at $LINTEL_TEST_POSTGRES_URL" >&2
        "$@"
        ;;
    *) echo "usage: $0 start DIR | stop DIR | run CMD…" >&2; exit 64 ;;
esac
