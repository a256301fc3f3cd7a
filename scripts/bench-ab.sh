#!/usr/bin/env bash
# A/B: two chapwasm binaries, same workload, alternating, to see whether a change pays.
#
#   scripts/bench-ab.sh OLD_BINARY NEW_BINARY     # ROUNDS=3 by default
#
# Each round starts a fresh server of each binary (A first in odd rounds, B first in even
# ones) on a SQLite file in a new directory, drives it with `chapwasm-bench run` (the
# small-job phases, pairs and burst; LARGE=1 adds the 100k-row and memory phases), stops
# it, and finally prints every figure's median over the rounds for both and the ratio.
# Build each binary first, e.g. `git worktree add /tmp/old <commit>` and
# `cargo build --release --bin chapwasm` there. Results stay in $BENCH_DIR/ab.
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 OLD_BINARY NEW_BINARY" >&2
    exit 2
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
A=$(realpath "$1")
B=$(realpath "$2")
ROUNDS=${ROUNDS:-3}
LARGE=${LARGE:-0}
PORT=${PORT:-18121}
BENCH_DIR=${BENCH_DIR:-/var/tmp/chapwasm-bench}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BENCH=$TARGET/release/chapwasm-bench
OUT=$BENCH_DIR/ab
# shellcheck source=scripts/bench-server.sh
source "$ROOT/scripts/bench-server.sh"

cargo build --quiet --release --bin chapwasm-bench --manifest-path "$ROOT/Cargo.toml"
rm -rf "$OUT" && mkdir -p "$OUT"
phases=(--large-repeats 0 --memory-predicts 0)
if [[ "$LARGE" == 1 ]]; then
    phases=()
fi

measure() {
    local label=$1 binary=$2 round=$3
    local dir=$BENCH_DIR/ab-run
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$dir" && exec "$binary" serve --port "$PORT" --database-url bench.db >serve.log 2>&1) &
    SERVER_PID=$!
    "$BENCH" run --url "http://127.0.0.1:$PORT" --label "$label" --pid "$SERVER_PID" "${phases[@]}" \
        --json "$OUT/$label-$round.json" >"$OUT/$label-$round.txt"
    stop_server
}

for round in $(seq 1 "$ROUNDS"); do
    echo "== round $round of $ROUNDS"
    if (( round % 2 )); then
        measure a "$A" "$round"
        measure b "$B" "$round"
    else
        measure b "$B" "$round"
        measure a "$A" "$round"
    fi
done

echo "== medians over $ROUNDS rounds (a: $A, b: $B; ratio: how many times better b is)"
"$BENCH" compare --baseline a --candidate b "$OUT"/*.json
