#!/usr/bin/env bash
# Issue 15 item 17: the cost of an unchanged incremental run on a big state
# (the hourly cron run on an idle log). Builds a state from a generated log
# once, then times `analyze --incremental` on the same, unchanged log: wall
# time and peak RSS (GNU time). A measurement, not a test: run it by hand.
#
#   bash scripts/state-unchanged-bench.sh                  # 300 MB log, target/release/bouncectl
#   SIZE=1G bash scripts/state-unchanged-bench.sh          # a bigger state
#   BIN=/path/to/old/bouncectl bash scripts/state-unchanged-bench.sh   # another build, same log
#   INFLIGHT=1 bash scripts/state-unchanged-bench.sh       # every message left in flight
#
# INFLIGHT=1 drops the log's `removed` lines: no message ends, so all stay
# in flight between runs (as when a log's ends are lost), the case where an
# unchanged run used to cost most (the saved in-flight messages grow with
# the state: 1.1 s and 365 MB at 300M before issue 15 item 17, 0.01 s and
# 14 MB after).
#
# The log and the state live in $DIR (default target/state-bench); a state
# is made per binary (STATE, default $DIR/state-<binary name>.db), since a
# newer schema is refused by an older binary. RUNS unchanged runs (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${SIZE:-300M}
DIR=${DIR:-target/state-bench}
BIN=${BIN:-target/release/bouncectl}
RUNS=${RUNS:-5}
INFLIGHT=${INFLIGHT:-}
LOG=$DIR/big${INFLIGHT:+-inflight}.log
STATE=${STATE:-$DIR/state-$(basename "$BIN")${INFLIGHT:+-inflight}.db}
NOW=2026-12-01T00:00:00Z
mkdir -p "$DIR"
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }
if [ ! -s "$DIR/big.log" ]; then
    cargo run --release --example genlog -- --size "$SIZE" --out "$DIR/big.log"
fi
if [ -n "$INFLIGHT" ] && [ ! -s "$LOG" ]; then
    grep -v ': removed$' "$DIR/big.log" > "$LOG"
fi
[ -x "$BIN" ] || cargo build --release --bin bouncectl
if [ ! -s "$STATE" ]; then
    echo "building the state: $BIN analyze --incremental $LOG"
    /usr/bin/time -f "  first run: %e s, peak RSS %M KB" \
        "$BIN" --now "$NOW" analyze -q --incremental --host bench --state "$STATE" "$LOG" > /dev/null
fi
ls -l "$LOG" "$STATE" | awk '{ printf "  %s: %d MB\n", $NF, $5 / 1048576 }'
echo "unchanged incremental runs ($BIN):"
for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "  %e s, peak RSS %M KB" \
        "$BIN" --now "$NOW" analyze -q --incremental --host bench --state "$STATE" "$LOG" > /dev/null
done
