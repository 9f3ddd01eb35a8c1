#!/usr/bin/env bash
# Runs the api-server benchmark (bench/api/REPORT.md, bench/api/results/latest.json).
#
#   bench/api/run.sh [path/to/quarkus-run.jar]
#
# Builds nothing heavy: only this small module is compiled (offline, seconds) if its classes or
# classpath file are missing; the api-server jar must already exist (default:
# services/api-server/target/quarkus-app/quarkus-run.jar). Extra JVM flags for the bench itself
# go in BENCH_OPTS (e.g. BENCH_OPTS=-Dbench.quick=true for a short smoke run); the api-server's
# JVM flags (default: as ./capstan starts it) can be replaced with BENCH_SERVER_JVM="...".
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
jar="${1:-$root/services/api-server/target/quarkus-app/quarkus-run.jar}"
out="${2:-$here}"

if [[ ! -f "$jar" ]]; then
  echo "api-server jar not found: $jar (build services/api-server first, or pass the path)" >&2
  exit 2
fi
if [[ ! -f "$here/target/classpath.txt" || ! -d "$here/target/classes/io/capstan/bench" ]]; then
  echo "building bench/api (offline) ..."
  (cd "$root" && ./mvnw -q -B -o install -pl bench/api -DskipTests)
fi

cd "$root"
server_jvm=()
if [[ -n "${BENCH_SERVER_JVM:-}" ]]; then
  server_jvm=("-Dbench.serverJvm=$BENCH_SERVER_JVM")
fi
exec "$JAVA_HOME/bin/java" -Xmx2g ${BENCH_OPTS:-} "${server_jvm[@]}" \
  -cp "$here/target/classes:$(cat "$here/target/classpath.txt")" \
  io.capstan.bench.ApiBench "$jar" "$out"
