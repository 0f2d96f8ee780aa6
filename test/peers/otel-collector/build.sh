#!/usr/bin/env bash
# Builds the test OpenTelemetry Collector with the collector builder from the Go module proxy and caches
# the binary under $HOME/.cache/vigil-peers/ (idempotent: quick when the binary is already there).
# Prints the binary's path on stdout.
set -euo pipefail

version=0.165.0
here="$(cd "$(dirname "$0")" && pwd)"
cache="${HOME}/.cache/vigil-peers/otelcol-${version}"
binary="${cache}/otelcol-vigil"

if [ ! -x "${binary}" ]; then
  # The Go toolchain is often installed outside PATH (/usr/local/go); the collector needs Go >= 1.24.
  command -v go >/dev/null || [ ! -x /usr/local/go/bin/go ] || export PATH="/usr/local/go/bin:${PATH}"
  command -v go >/dev/null || { echo "go (>= 1.24) is needed to build the test collector" >&2; exit 1; }
  mkdir -p "${cache}"
  export GOBIN="${cache}/bin"
  echo "building OpenTelemetry Collector ${version} into ${cache} (first time only)" >&2
  go install "go.opentelemetry.io/collector/cmd/builder@v${version}"
  sed "s#\${OUTPUT_PATH}#${cache}/src#" "${here}/builder-config.yaml" > "${cache}/builder-config.yaml"
  # The builder's own `go mod tidy` also wants the test-only imports of the file exporter, some of
  # which the module proxy does not serve; generate the sources only, then tidy tolerantly and build.
  rm -rf "${cache}/src" # a build interrupted earlier
  "${GOBIN}/builder" --config="${cache}/builder-config.yaml" --skip-compilation --skip-get-modules >&2
  (
    cd "${cache}/src"
    go mod init otelcol-vigil >&2
    go get "go.opentelemetry.io/collector/otelcol@v${version}" \
      "go.opentelemetry.io/collector/receiver/otlpreceiver@v${version}" \
      "github.com/open-telemetry/opentelemetry-collector-contrib/exporter/fileexporter@v${version}" >&2
    go mod tidy -e >&2
    CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "${binary}" . >&2
  )
  rm -rf "${cache}/src"
fi
echo "${binary}"
