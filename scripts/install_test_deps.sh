#!/usr/bin/env bash
# Install what the tests need when it is missing: Debian's chromium and postgresql, fonts, Node for
# the test OpenID provider, openssl, curl and python3-venv for the production path; then that
# provider's npm packages from the committed lock file (tests/oidc). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

install_oidc_provider() {
  if [ ! -f tests/oidc/node_modules/oidc-provider/package.json ]; then
    echo "Installing the test OpenID provider (npm ci in tests/oidc)"
    npm ci --no-audit --no-fund --prefix tests/oidc >/dev/null
  fi
}
missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
fc-list 2>/dev/null | grep -qi dejavu || missing+=(fonts-dejavu-core)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v curl >/dev/null 2>&1 || missing+=(curl)
# The interpreter the Makefile and the production block of README.md make their virtualenvs with.
python=$(command -v /usr/bin/python3 || command -v python3)
"$python" -c "import ensurepip, venv" >/dev/null 2>&1 || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} from Debian's packages"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
install_oidc_provider
