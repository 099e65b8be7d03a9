#!/bin/sh
# Peak memory (max RSS, from GNU time) of `bouncectl suppress --out` on a
# state of N suppressed addresses, in every export format (issue 15: the
# export streams, so memory must not grow with the list).
#
#   scripts/mem-export.sh [N] [BOUNCECTL...]
#
# N defaults to 500000; BOUNCECTL defaults to target/release/bouncectl (build
# it with `cargo build --release`); give several binaries to compare them on
# the same state. The state is made once, by the first binary, from a
# generated SendGrid bounces export of 1000 hard bounces; the other N - 1000
# addresses are then copied into its `addresses` table with sqlite3, each
# like one of those (recording 500,000 bounces through `analyze` takes tens
# of minutes on a busy machine, and the export reads only that table). Needs
# GNU time (`apt-get install time`) and the sqlite3 shell. Work files go to
# a temporary directory, removed at the end.
set -eu

n=${1:-500000}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- target/release/bouncectl
[ -x /usr/bin/time ] || { echo "mem-export.sh: needs GNU time (/usr/bin/time)" >&2; exit 2; }
command -v sqlite3 > /dev/null || { echo "mem-export.sh: needs the sqlite3 shell" >&2; exit 2; }
[ "$n" -ge 1000 ] || { echo "mem-export.sh: N is at least 1000" >&2; exit 2; }
for bin in "$@"; do
    [ -x "$bin" ] || { echo "mem-export.sh: $bin: no such binary (cargo build --release?)" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

awk -v n=1000 'BEGIN {
    print "created,email,reason,status"
    for (i = 1; i <= n; i++)
        printf "%d,user%07d@example.com,550 5.1.1 <user%07d@example.com>: Recipient address rejected: User unknown in virtual mailbox table,5.1.1\n", 1772442111 + i, i, i
}' > "$work/bounces.csv"

echo "state: $n addresses, made by $1" >&2
"$1" analyze -q --format json --state "$work/state.db" "$work/bounces.csv" > /dev/null
sqlite3 "$work/state.db" "
    WITH RECURSIVE k(i) AS (SELECT 1001 UNION ALL SELECT i + 1 FROM k WHERE i < $n)
    INSERT INTO addresses (address, status, soft_streak, class, reason, status_code, diagnostic,
                           trigger_id, trigger_ts, suppressed_run, first_seen, last_seen, bounces, counts_after)
    SELECT printf('user%07d@example.com', k.i), a.status, a.soft_streak, a.class, a.reason, a.status_code,
           replace(a.diagnostic, a.address, printf('user%07d@example.com', k.i)),
           a.trigger_id, a.trigger_ts + k.i, a.suppressed_run, a.first_seen + k.i, a.last_seen + k.i,
           a.bounces, a.counts_after
    FROM k JOIN addresses a ON a.address = 'user0000001@example.com';"
[ "$(sqlite3 "$work/state.db" "SELECT count(*) FROM addresses WHERE status = 'suppressed'")" -eq "$n" ] ||
    { echo "mem-export.sh: the state does not hold $n suppressed addresses" >&2; exit 1; }

printf '%-40s %-15s %12s %10s\n' binary format max_rss_kib seconds
for bin in "$@"; do
    for format in csv txt json postfix-access ses sendgrid mailgun postmark sparkpost; do
        /usr/bin/time -f '%M %e' -o "$work/time" \
            "$bin" suppress -q --state "$work/state.db" --format "$format" --out "$work/list.$format"
        read -r rss secs < "$work/time"
        printf '%-40s %-15s %12s %10s\n' "$bin" "$format" "$rss" "$secs"
    done
done
