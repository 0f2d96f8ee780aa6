#!/usr/bin/env bash
# The whole test suite: installs the real peers if they are missing, runs vitest (each e2e file
# starts the peers it needs on 127.0.0.1), and ends with the line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
bash test/peers/install.sh || { echo "could not install the test peers"; echo "0 passed, 1 failed"; exit 1; }
results="$(mktemp -t vigil-test-results.XXXXXX.json)"
vitest run --reporter=default --reporter=json --outputFile="$results" "$@"
status=$?
node test/summary.ts "$results" || status=1
rm -f "$results"
exit $status
