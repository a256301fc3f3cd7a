#!/bin/sh
# Builds model.wasm (rustup target add wasm32-wasip2 once).
set -eu
cd "$(dirname "$0")"
# The component is looked for in ./target, whatever CARGO_TARGET_DIR says elsewhere.
export CARGO_TARGET_DIR="$PWD/target"
cargo build --target wasm32-wasip2 --release
cp "target/wasm32-wasip2/release/$(echo '{{name}}' | tr - _).wasm" model.wasm
