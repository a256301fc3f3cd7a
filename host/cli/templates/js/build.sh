#!/bin/sh
# Builds model.wasm from model.js with chapwasm's JS SDK (componentize-js, installed in
# the SDK's directory by `npm ci --prefix {{repository}}/sdk/js`).
set -eu
cd "$(dirname "$0")"
node "{{repository}}/sdk/js/build.mjs" model.js -o model.wasm
