#!/usr/bin/env bash
# Fetches the Apache Kafka broker (org.apache.kafka:kafka_2.13 and its dependencies) from Maven Central
# with `mvn dependency:copy-dependencies` and caches the jars under $HOME/.cache/vigil-peers/kafka-<version>/
# (idempotent: quick when the jars are already there). Prints the jar directory on stdout.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "${here}/pom.xml")"
dir="${HOME}/.cache/vigil-peers/kafka-${version}"

if [ ! -f "${dir}/.complete" ]; then
  command -v mvn >/dev/null || { echo "mvn is needed to fetch the Kafka broker" >&2; exit 1; }
  command -v java >/dev/null || { echo "java (17+) is needed to run the Kafka broker" >&2; exit 1; }
  echo "fetching Apache Kafka ${version} into ${dir} (first time only)" >&2
  mkdir -p "${dir}"
  mvn -q -B -f "${here}/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="${dir}/libs" >&2
  touch "${dir}/.complete"
fi
echo "${dir}/libs"
