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
command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] || need+=(pgbouncer) # PgBouncer 1.18 (test/peers/pgbouncer.ts)
command -v prometheus-alertmanager >/dev/null || need+=(prometheus-alertmanager) # with amtool
command -v chromium >/dev/null || need+=(chromium)
command -v bwrap >/dev/null || need+=(bubblewrap)
command -v java >/dev/null || need+=(openjdk-17-jre-headless) # the Kafka broker (test/peers/kafka.ts)
command -v mvn >/dev/null || need+=(maven)                    # fetches the Kafka jars
command -v systemd-analyze >/dev/null || need+=(systemd)      # verifies deploy/systemd/vigil.service
command -v ip >/dev/null || need+=(iproute2)                 # network namespaces for test/e2e/interface-churn.test.ts

if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing test peers: ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# Real peers that are not Debian packages, cached under $HOME/.cache/vigil-peers/ (quick when cached):
# the Apache Kafka broker's jars from Maven Central, and an OpenTelemetry Collector built with the
# collector builder from the Go module proxy (needs Go >= 1.24 on PATH; ~3-5 min cold), and helm v3
# from the Go module proxy (deploy/helm/vigil's tests; ~2-4 min cold).
here="$(cd "$(dirname "$0")" && pwd)"
bash "${here}/kafka/fetch.sh" >/dev/null
bash "${here}/otel-collector/build.sh" >/dev/null
bash "${here}/helm/build.sh" >/dev/null
