#!/usr/bin/env bash
# Issue 15 item 17: the cost of an unchanged incremental run on a big state
# (the hourly cron run on an idle log). Builds a state from a generated log
# once, then times `analyze --incremental` on the same, unchanged log: wall
# time and peak RSS (GNU time). A measurement, not a test: run it by hand.
#
#   bash scripts/state-unchanged-bench.sh                  # 300 MB log, target/release/bouncectl
#   SIZE=1G bash scripts/state-unchanged-bench.sh          # a bigger state
#   BIN=/path/to/old/bouncectl bash scripts/state-unchanged-bench.sh   # another build, same log
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
STATE=${STATE:-$DIR/state-$(basename "$BIN").db}
NOW=2026-12-01T00:00:00Z
mkdir -p "$DIR"
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }
if [ ! -s "$DIR/big.log" ]; then
    cargo run --release --example genlog -- --size "$SIZE" --out "$DIR/big.log"
fi
[ -x "$BIN" ] || cargo build --release --bin bouncectl
if [ ! -s "$STATE" ]; then
    echo "building the state: $BIN analyze --incremental $DIR/big.log"
    /usr/bin/time -f "  first run: %e s, peak RSS %M KB" \
        "$BIN" --now "$NOW" analyze -q --incremental --host bench --state "$STATE" "$DIR/big.log" > /dev/null
fi
ls -l "$DIR/big.log" "$STATE" | awk '{ printf "  %s: %d MB\n", $NF, $5 / 1048576 }'
echo "unchanged incremental runs ($BIN):"
for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "  %e s, peak RSS %M KB" \
        "$BIN" --now "$NOW" analyze -q --incremental --host bench --state "$STATE" "$DIR/big.log" > /dev/null
done
