#!/usr/bin/env bash
# Runs the daily scrape; called by operators and by the deploy pipeline.
set -euo pipefail
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$SCRIPT_DIR/../.."
python3 scripts/etl/daily_scrape.py "$@"
python3 scripts/monitoring/health_check.py
