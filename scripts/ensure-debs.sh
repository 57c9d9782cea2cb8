#!/usr/bin/env bash
# Installs the Debian packages the tests need, and nothing when they are all present.
#
#   scripts/ensure-debs.sh            installs what is missing of the packages listed below
#   scripts/ensure-debs.sh PKG...     the same for the packages named
#
# Used by the projen `test` task (before jest) and by .ci/run, so a fresh machine gets the same
# tools either way. apt-get runs with sudo when not root; when every package is already
# installed, apt is not touched at all (no update, no network).
set -euo pipefail

# Package -> why the tests need it. Keep this list short and explain each entry.
#   prometheus: provides promtool, which checks the prometheus.yml that IstioPrometheusScrape generates
#   graphviz: provides dot, which must accept the topology picture (Topology.toDot(), plugin property topology)
DEFAULT_DEBS=(prometheus graphviz)

debs=("$@")
[ "${#debs[@]}" -gt 0 ] || debs=("${DEFAULT_DEBS[@]}")

missing=()
for pkg in "${debs[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" != "install ok installed" ]; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-debs: missing Debian packages: ${missing[*]}, and apt-get is not available on this machine." >&2
  echo "ensure-debs: install them with your package manager (promtool comes from the 'prometheus' package, dot from 'graphviz')." >&2
  exit 1
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "ensure-debs: not root and sudo is not installed; run as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

echo "ensure-debs: installing ${missing[*]}" >&2
"${SUDO[@]}" apt-get update -qq
# No recommends: the prometheus package would otherwise pull node-exporter and friends.
# policy-rc.d-less containers may fail to start the service in postinst; that is harmless for
# promtool, so only the install itself decides success.
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
