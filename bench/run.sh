#!/usr/bin/env bash
# Builds the release binary and runs the load benchmark (see bench/run.py for what it measures).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }
cargo build --release --locked -p portico
exec python3 bench/run.py "$@"
