#!/usr/bin/env bash
# Runs the pod startup benchmark (bench/pods/REPORT.md, bench/pods/results/latest.json):
# every role as a real process (two node-agents with the process runtime), three measured bursts of
# 100 pods after unmeasured warm-up bursts of 100, until the JIT compilers have settled (at least
# 3, at most 30 bursts; about 5 to 12 minutes in all).
#
#   bench/pods/run.sh            BENCH_OPTS="-Dbench.pods=100 -Dbench.concurrency=10 -Dbench.measuredBursts=3"
#   warm-up until settled:       -Dbench.minWarmupBursts=3 -Dbench.maxWarmupBursts=30 -Dbench.settledJitMs=150
#   a fixed warm-up:             -Dbench.warmupBursts=3
#   a freshly started stack:     BENCH_OPTS="-Dbench.warmupBursts=0 -Dbench.measuredBursts=1"
#   diagnostics:                 -Dbench.timeline=FILE (each pod's times, CSV), -Dbench.hold=SECONDS (keep the stack up)
#   extra JVM flags of a role:   CAPSTAN_APISERVER_JVM=..., CAPSTAN_AGENT_JVM=...
#
# Ctrl-C (or SIGTERM) stops the whole stack and the pods' processes with the bench.
#
# The services must be packaged (./mvnw install -DskipTests); this small module is compiled
# offline if its classes are missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
if [[ ! -f "$here/target/classpath.txt" || ! -d "$here/target/classes/io/capstan/bench/pods" ]]; then
  echo "building bench/pods (offline) ..."
  (cd "$root" && ./mvnw -q -B -o install -pl bench/pods -DskipTests)
fi
cd "$root"
exec "$JAVA_HOME/bin/java" -Xmx512m ${BENCH_OPTS:-} \
  -cp "$here/target/classes:$(cat "$here/target/classpath.txt")" \
  io.capstan.bench.pods.PodsBench "$here"
