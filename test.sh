#!/usr/bin/env bash
# Set everything up and run the whole test suite (SQLite; set REPAIR_TEST_DATABASE_URL for PostgreSQL).
# Extra arguments go to pytest, e.g. ./test.sh tests/unit -q
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh
exec .venv/bin/python -m pytest "$@"
