#!/usr/bin/env bash
# Whole-run throughput of `bouncectl analyze` against `grep -c status=` and
# `wc -l` on the same generated log, in the same run: ratios, MB/s, peak RSS,
# 1 vs 2 threads, and .gz input. Figures go to BENCHMARKS.md by hand.
#
#   scripts/bench.sh [SIZE] [DIR]     SIZE like 700M (default), DIR default bench-data/
#
# Each command runs RUNS times (default 5) after one warm-up read of the file;
# the best wall time is kept (the file is in the page cache for all of them).
set -euo pipefail
size=${1:-700M}
dir=${2:-bench-data}
runs=${RUNS:-5}
cd "$(dirname "$0")/.."
mkdir -p "$dir"
log="$dir/gen-$size.log"
cargo build --release --quiet --bin bouncectl --example genlog
bin=target/release/bouncectl
if [ ! -s "$log" ]; then
    echo "generating $log ..." >&2
    target/release/examples/genlog --size "$size" --addresses 300000 --out "$log" --truth "$log.truth.json"
fi
if [ ! -s "$log.gz" ]; then
    echo "compressing $log.gz ..." >&2
    gzip -1 -c "$log" > "$log.gz"
fi
bytes=$(stat -c %s "$log")
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
cat "$log" > /dev/null

# best wall seconds and max RSS (KB) over $runs runs of "$@". Output goes to a
# file, not /dev/null: GNU grep notices /dev/null and stops at the first match.
measure() {
    local best="" rss=0 t r
    for _ in $(seq "$runs"); do
        /usr/bin/time -f "%e %M" -o "$dir/.time" "$@" > "$dir/.out"
        read -r t r < "$dir/.time"
        if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$t; fi
        [ "$r" -gt "$rss" ] && rss=$r
    done
    echo "$best $rss"
}

read -r t_wc _ < <(measure wc -l "$log")
read -r t_grep _ < <(measure grep -c status= "$log")
read -r t1 rss1 < <(measure "$bin" analyze --no-state --quiet --format json --threads 1 "$log")
read -r t2 rss2 < <(measure "$bin" analyze --no-state --quiet --format json --threads 2 "$log")
read -r tgz rssgz < <(measure "$bin" analyze --no-state --quiet --format json --threads 2 "$log.gz")
read -r t_zcat _ < <(measure gzip -dc "$log.gz")

row() { # name seconds rss
    awk -v n="$1" -v t="$2" -v r="$3" -v mb="$mb" -v g="$t_grep" 'BEGIN {
        printf "| %-34s | %6.3f s | %7.0f MB/s | %5.2f x grep | %s |\n", n, t, mb / t, t / g, (r == "" ? "" : sprintf("%.1f MB", r / 1024)) }'
}
echo
echo "file: $log, $mb MB, $(wc -l < "$log") lines; $(nproc) CPUs; best of $runs runs"
echo
echo "| command | wall | throughput | vs grep -c | peak RSS |"
echo "|---|---|---|---|---|"
row "wc -l" "$t_wc" ""
row "grep -c status=" "$t_grep" ""
row "bouncectl analyze --threads 1" "$t1" "$rss1"
row "bouncectl analyze --threads 2" "$t2" "$rss2"
row "gzip -dc (decompression alone)" "$t_zcat" ""
row "bouncectl analyze --threads 2 (.gz)" "$tgz" "$rssgz"
echo
awk -v a="$t1" -v b="$t2" 'BEGIN { printf "2 threads vs 1: %.2f x faster\n", a / b }'
awk -v a="$tgz" -v b="$t_zcat" 'BEGIN { printf ".gz analyze vs gzip -dc alone: %.2f x\n", a / b }'
