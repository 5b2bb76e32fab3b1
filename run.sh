#!/usr/bin/env bash
# Set everything up and run repair on the embedded default: SQLite and files under instance/,
# generated development seal keys, demo data. Open http://127.0.0.1:${PORT:-8000}/ afterwards.
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh
.venv/bin/repair init
.venv/bin/repair demo
exec .venv/bin/repair serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
