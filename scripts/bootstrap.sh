#!/usr/bin/env bash
# Set up everything repair needs on a Debian machine (run as root): system packages when
# missing, a virtual environment in .venv and the package with its test extra.
# Idempotent: a second run only checks and returns quickly.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(python3 python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
                 fonts-noto-cjk poppler-utils chromium chromium-l10n)
missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing system packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: installing system packages needs root (missing: ${missing[*]})" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# node and npm run the test-only independent checks (tests/js: sm-crypto, ofd.js) and the OpenID Provider the
# unified identity tests sign in at (oidc-provider), and axe-core for the accessibility checks of the browser
# tests; any recent node will do.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "==> installing node and npm"
  if [ "$(id -u)" -ne 0 ]; then echo "error: installing node and npm needs root" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
if [ ! -d tests/js/node_modules/sm-crypto ] || [ ! -d tests/js/node_modules/ofd.js ] || \
   [ ! -d tests/js/node_modules/oidc-provider ] || [ ! -d tests/js/node_modules/axe-core ] || \
   [ tests/js/package-lock.json -nt tests/js/node_modules ]; then
  echo "==> installing the test-only npm packages (tests/js)"
  (cd tests/js && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null)
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "==> creating virtual environment .venv"
  "$PYTHON" -m venv .venv
  .venv/bin/pip install -q -U pip 2>&1 | grep -v "^WARNING: Location" || true
fi
stamp=.venv/.repair-installed
if [ ! -f "$stamp" ] || [ setup.cfg -nt "$stamp" ]; then
  echo "==> installing repair and its dependencies into .venv"
  # pip's build chatter (setuptools notices) is noise here; real failures still stop the script below.
  .venv/bin/pip install -q -e '.[test]' >/tmp/repair-pip.log 2>&1 || { cat /tmp/repair-pip.log; exit 1; }
  .venv/bin/python -c "import repair, weasyprint, pyhanko, transitions" 
  touch "$stamp"
fi
