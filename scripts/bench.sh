#!/usr/bin/env bash
# Whole-run throughput of `bouncectl analyze` against `grep -c status=` and
# `wc -l` on the same generated log, in the same run: ratios, MB/s, peak RSS,
# 1 vs 2 threads, and .gz input. Figures go to BENCHMARKS.md by hand.
#
#   scripts/bench.sh [SIZE] [DIR]     SIZE like 700M (default), DIR default bench-data/
#
# The commands run in RUNS rounds (default 5), each round every command once,
# after one warm-up read of the file (it stays in the page cache). On a shared
# machine the speed of the CPU drifts by tens of percent from minute to minute,
# so besides each command's best wall time the script gives, for every ratio,
# the median over the rounds of that ratio within one round: two commands
# measured seconds apart see the same machine. It also prints the CPU seconds
# analyze used (user + system): the work done, whatever the scheduling.
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

# name -> command line, split into words when run (so DIR must not hold
# spaces).
names=(wc grep t1 t2 zcat gz)
declare -A cmd=(
    [wc]="wc -l $log"
    [grep]="grep -c status= $log"
    [t1]="$bin analyze --no-state --quiet --format json --threads 1 $log"
    [t2]="$bin analyze --no-state --quiet --format json --threads 2 $log"
    [zcat]="gzip -dc $log.gz"
    [gz]="$bin analyze --no-state --quiet --format json --threads 2 $log.gz"
)
declare -A best rss cpu times
# Output goes to a file, not /dev/null: GNU grep notices /dev/null and stops
# at the first match.
for round in $(seq "$runs"); do
    for n in "${names[@]}"; do
        /usr/bin/time -f "%e %M %U %S" -o "$dir/.time" ${cmd[$n]} > "$dir/.out"
        read -r t r u s < "$dir/.time"
        times[$n,$round]=$t
        if [ -z "${best[$n]:-}" ] || awk -v a="$t" -v b="${best[$n]}" 'BEGIN { exit !(a < b) }'; then
            best[$n]=$t
            cpu[$n]=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
        fi
        [ "$r" -gt "${rss[$n]:-0}" ] && rss[$n]=$r
    done
done

# median over the rounds of times[a,round] / times[b,round]
median_ratio() {
    for round in $(seq "$runs"); do
        awk -v a="${times[$1,$round]}" -v b="${times[$2,$round]}" 'BEGIN { printf "%.4f\n", a / b }'
    done | sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

row() { # name label
    awk -v n="$2" -v t="${best[$1]}" -v r="${rss[$1]:-}" -v c="${cpu[$1]:-}" -v mb="$mb" -v g="${best[grep]}" -v m="$(median_ratio "$1" grep)" 'BEGIN {
        printf "| %-36s | %6.3f s | %5s s | %7.0f MB/s | %5.2f x | %5.2f x | %s |\n", n, t, c, mb / t, t / g, m, sprintf("%.1f MB", r / 1024) }'
}
echo
echo "file: $log, $mb MB, $(wc -l < "$log") lines; $(nproc) CPUs; $runs rounds"
echo
echo "| command | best wall | its CPU | throughput | best vs best grep | median per-round vs grep | peak RSS |"
echo "|---|---|---|---|---|---|---|"
row wc "wc -l"
row grep "grep -c status="
row t1 "bouncectl analyze --threads 1"
row t2 "bouncectl analyze --threads 2"
row zcat "gzip -dc (decompression alone)"
row gz "bouncectl analyze --threads 2 (.gz)"
echo
awk -v a="${best[t1]}" -v b="${best[t2]}" -v m="$(median_ratio t1 t2)" 'BEGIN { printf "2 threads vs 1: %.2f x faster (best vs best), %.2f x (median per round)\n", a / b, m }'
awk -v a="${best[gz]}" -v b="${best[zcat]}" -v m="$(median_ratio gz zcat)" 'BEGIN { printf ".gz analyze vs gzip -dc alone: %.2f x (best vs best), %.2f x (median per round)\n", a / b, m }'
