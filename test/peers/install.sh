#!/usr/bin/env bash
# Installs the real peers the tests run against, when they are missing (idempotent, quick when done).
# Debian packages: see ../shared/docs/PEERS.md for what is known to work on these machines.
set -euo pipefail

need=()
command -v prometheus >/dev/null || need+=(prometheus)
command -v promtool >/dev/null || need+=(prometheus)
command -v prometheus-node-exporter >/dev/null || need+=(prometheus-node-exporter)
command -v prometheus-postgres-exporter >/dev/null || need+=(prometheus-postgres-exporter)
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql)

if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing test peers: ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
