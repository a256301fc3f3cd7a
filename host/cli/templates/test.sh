#!/bin/sh
# Builds the model, then trains and predicts on the sample data with `chapwasm run`.
set -eu
cd "$(dirname "$0")"
sh build.sh
chapwasm="${CHAPWASM:-{{chapwasm}}}"
"$chapwasm" run train --component model.wasm --config data/config.json --data data/train.csv --model model.bin
"$chapwasm" run predict --component model.wasm --config data/config.json --model model.bin \
    --historic data/historic.csv --future data/future.csv --output predictions.csv
cat predictions.csv
