#!/usr/bin/env bash
# Side by side: chapwasm against upstream chapkit 2.4.1 on this machine, same workload.
#
#   scripts/bench-vs-chapkit.sh            # RUNS=1 PAIRS=200 BURST=200 HUGE_ROWS=0 by default
#
# Sets up chapkit 2.4.1 (+ scikit-learn, pandas, uvicorn) in a Python 3.13 virtual
# environment from PyPI (once), builds chapwasm in release, then for each run starts a
# fresh server of each kind on loopback (alternating which goes first; chapwasm without
# a disk cache, so its idle memory is that of a first start), drives it with
# `chapwasm-bench run` and stops it by pid. Prints each server's tables, then one table
# with every figure for both and the ratio, then the figures that have a goal with their
# verdicts. Results stay in $BENCH_DIR/results. HUGE_ROWS=1000000 adds one train and one
# predict of that many rows to each server's run.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-1}
PAIRS=${PAIRS:-200}
BURST=${BURST:-200}
HUGE_ROWS=${HUGE_ROWS:-0}
BENCH_DIR=${BENCH_DIR:-/var/tmp/chapwasm-bench}
VENV=$BENCH_DIR/chapkit-2.4.1-venv
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET/release/chapwasm
BENCH=$TARGET/release/chapwasm-bench
PORT_CHAPWASM=${PORT_CHAPWASM:-18101}
PORT_CHAPKIT=${PORT_CHAPKIT:-18102}
# shellcheck source=scripts/bench-server.sh
source "$ROOT/scripts/bench-server.sh"

find_python313() {
    local candidate
    for candidate in "${PYTHON313:-}" python3.13 "$HOME"/.pyenv/versions/3.13*/bin/python3.13 /usr/bin/python3.13; do
        if [[ -n "$candidate" ]] && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null; then
            echo "$candidate"
            return
        fi
    done
    echo "Python 3.13 not found: install it (pyenv install 3.13, or your distribution's python3.13) or set PYTHON313" >&2
    exit 1
}

if [[ ! -x "$VENV/bin/uvicorn" ]]; then
    echo "== setting up chapkit 2.4.1 in $VENV"
    "$(find_python313)" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet "chapkit==2.4.1" scikit-learn pandas "uvicorn[standard]"
fi

echo "== building chapwasm (release)"
cargo build --quiet --release --bin chapwasm --bin chapwasm-bench --manifest-path "$ROOT/Cargo.toml"

rm -rf "$BENCH_DIR/results" && mkdir -p "$BENCH_DIR/results"

start_chapwasm() {
    local dir=$BENCH_DIR/run-chapwasm
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$dir" && exec "$BIN" serve --port "$PORT_CHAPWASM" --database-url bench.db >serve.log 2>&1) &
    SERVER_PID=$!
    URL=http://127.0.0.1:$PORT_CHAPWASM
}

start_chapkit() {
    # chapkit copies the working directory into every job's workspace: keep it to one file.
    local dir=$BENCH_DIR/run-chapkit
    rm -rf "$dir" && mkdir -p "$dir"
    cp "$ROOT/scripts/chapkit_bench_service.py" "$dir/"
    (cd "$dir" && exec "$VENV/bin/uvicorn" chapkit_bench_service:app --host 127.0.0.1 --port "$PORT_CHAPKIT" \
        --log-level warning >serve.log 2>&1) &
    SERVER_PID=$!
    URL=http://127.0.0.1:$PORT_CHAPKIT
}

bench() {
    local label=$1 run=$2
    "start_$label"
    "$BENCH" run --url "$URL" --label "$label" --pid "$SERVER_PID" --pairs "$PAIRS" --burst "$BURST" \
        --huge-rows "$HUGE_ROWS" --json "$BENCH_DIR/results/$label-$run.json"
    stop_server
    echo
}

echo "== $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%F)"
for run in $(seq 1 "$RUNS"); do
    echo "== run $run of $RUNS"
    if (( run % 2 )); then
        bench chapwasm "$run"
        bench chapkit "$run"
    else
        bench chapkit "$run"
        bench chapwasm "$run"
    fi
done

echo "== medians over $RUNS runs (ratio: how many times better chapwasm is)"
"$BENCH" compare --goals --baseline chapkit --candidate chapwasm "$BENCH_DIR"/results/*.json
