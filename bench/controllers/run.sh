#!/usr/bin/env bash
# Runs the change feed and controller-manager benchmark (bench/controllers/REPORT.md,
# bench/controllers/results/latest.json).
#
#   bench/controllers/run.sh [api-server quarkus-run.jar] [controller-manager quarkus-run.jar]
#
# Builds nothing heavy: only this small module is compiled (offline, seconds) if its classes or
# classpath file are missing; both services must already be packaged (default: their
# target/quarkus-app/quarkus-run.jar). Extra JVM flags for the bench itself go in BENCH_OPTS
# (e.g. BENCH_OPTS=-Dbench.quick=true for a short smoke run); the services' JVM flags (default: as
# ./capstan starts them) can be replaced with BENCH_CM_JVM="..." and BENCH_API_JVM="...".
# A default run takes about 3 minutes (the feed runs 60 s of warm-up first) and is bounded at 15.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
api_jar="${1:-$root/services/api-server/target/quarkus-app/quarkus-run.jar}"
cm_jar="${2:-$root/services/controller-manager/target/quarkus-app/quarkus-run.jar}"

for jar in "$api_jar" "$cm_jar"; do
  if [[ ! -f "$jar" ]]; then
    echo "service jar not found: $jar (package services/api-server and services/controller-manager first, or pass the paths)" >&2
    exit 2
  fi
done
if [[ ! -f "$here/target/classpath.txt" || ! -d "$here/target/classes/io/capstan/bench/controllers" ]]; then
  echo "building bench/controllers (offline) ..."
  (cd "$root" && ./mvnw -q -B -o install -pl bench/controllers -DskipTests)
fi

cd "$root"
flags=()
if [[ -n "${BENCH_CM_JVM:-}" ]]; then
  flags+=("-Dbench.cmJvm=$BENCH_CM_JVM")
fi
if [[ -n "${BENCH_API_JVM:-}" ]]; then
  flags+=("-Dbench.apiJvm=$BENCH_API_JVM")
fi
exec "$JAVA_HOME/bin/java" -Xmx2g -Djava.util.logging.manager=org.jboss.logmanager.LogManager ${BENCH_OPTS:-} "${flags[@]}" \
  -cp "$here/target/classes:$(cat "$here/target/classpath.txt")" \
  io.capstan.bench.controllers.ControllerBench "$api_jar" "$cm_jar" "$here"
