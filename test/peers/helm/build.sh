#!/usr/bin/env bash
# Builds helm (v3) from the Go module proxy and caches the binary under $HOME/.cache/vigil-peers/
# (idempotent: quick when the binary is already there). Prints the binary's path on stdout.
set -euo pipefail

version=3.17.3
cache="${HOME}/.cache/vigil-peers/helm-${version}"
binary="${cache}/bin/helm"

if [ ! -x "${binary}" ]; then
  # The Go toolchain is often installed outside PATH (/usr/local/go).
  command -v go >/dev/null || [ ! -x /usr/local/go/bin/go ] || export PATH="/usr/local/go/bin:${PATH}"
  command -v go >/dev/null || { echo "go is needed to build helm" >&2; exit 1; }
  mkdir -p "${cache}"
  echo "building helm ${version} into ${cache} (first time only)" >&2
  GOBIN="${cache}/bin" CGO_ENABLED=0 go install -trimpath -ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=v${version}" "helm.sh/helm/v3/cmd/helm@v${version}" >&2
fi
echo "${binary}"
