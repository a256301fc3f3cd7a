#!/bin/sh
# Builds model.wasm from app.py with the chapwasm Python SDK (and componentize-py).
set -eu
cd "$(dirname "$0")"
python3 -c 'import chapwasm' 2>/dev/null || export PYTHONPATH="{{repository}}/sdk/python${PYTHONPATH:+:$PYTHONPATH}"
python3 -m chapwasm.build app.py -o model.wasm
