#!/usr/bin/env bash
# Runs the PostgreSQL-backed tests against a real, throwaway PostgreSQL
# server: a cluster made with initdb in a temporary directory, listening on
# a free port of 127.0.0.1 only, stopped and deleted on exit.
#
#   bash scripts/pg-test.sh                     # the state tests (cargo test --test cli state::)
#   bash scripts/pg-test.sh cargo test --locked # any command, with the server up
#   PG_KEEP=1 bash scripts/pg-test.sh bash      # a shell with BOUNCECTL_TEST_POSTGRES set
#
# The command runs with BOUNCECTL_TEST_POSTGRES=postgres://USER@127.0.0.1:PORT/postgres,
# an account allowed to create databases (each test makes its own). As root
# (CI), the PostgreSQL server package is installed from Debian when initdb
# is missing, and the server runs as the `postgres` user (initdb refuses
# root). The server runs with fsync off: it is thrown away.
set -euo pipefail
cd "$(dirname "$0")/.."

find_bin() {
    local name=$1 dir
    if command -v "$name" > /dev/null 2>&1; then
        command -v "$name"
        return
    fi
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V -r); do
        if [ -x "$dir/$name" ]; then
            echo "$dir/$name"
            return
        fi
    done
    return 1
}

if ! find_bin initdb > /dev/null; then
    if [ "$(id -u)" = 0 ]; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update
        apt-get install -y --no-install-recommends postgresql
    else
        echo "pg-test: initdb not found: install the PostgreSQL server (apt-get install postgresql)" >&2
        exit 1
    fi
fi
initdb=$(find_bin initdb)
pg_ctl=$(find_bin pg_ctl)
bindir=$(dirname "$initdb")

# A free TCP port on the loopback address.
port=$(python3 - << 'PY' 2> /dev/null || echo $((20000 + RANDOM % 20000))
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
)

tmp=$(mktemp -d /tmp/bouncectl-pg.XXXXXX)
chmod 755 "$tmp"
as_server=()
user=$(id -un)
if [ "$(id -u)" = 0 ]; then
    id postgres > /dev/null 2>&1 || useradd --system --home-dir "$tmp" --shell /bin/sh postgres
    chown postgres "$tmp"
    as_server=(runuser -u postgres --)
    user=postgres
fi

cleanup() {
    "${as_server[@]}" "$pg_ctl" -D "$tmp/data" -m immediate stop > /dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

"${as_server[@]}" "$initdb" -D "$tmp/data" -U "$user" --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    > "$tmp/initdb.log" 2>&1 || { cat "$tmp/initdb.log" >&2; exit 1; }
"${as_server[@]}" "$pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $tmp -c fsync=off -c synchronous_commit=off \
        -c full_page_writes=off -c max_connections=100" start > /dev/null \
    || { cat "$tmp/server.log" >&2; exit 1; }
echo "pg-test: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $tmp)"

export BOUNCECTL_TEST_POSTGRES="postgres://$user@127.0.0.1:$port/postgres"
if [ $# -eq 0 ]; then
    set -- cargo test --test cli state::
fi
"$@"
