#!/usr/bin/env bash
# Install Debian's chromium and postgresql when they are missing, Node for the test OpenID provider,
# and that provider's npm packages from the committed lock file (tests/oidc). Idempotent.
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
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} from Debian's packages"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
install_oidc_provider
