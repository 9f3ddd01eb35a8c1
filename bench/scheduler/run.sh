#!/usr/bin/env bash
# Runs the scheduler throughput benchmark (bench/scheduler/REPORT.md, bench/scheduler/results/):
# etcd, Kafka, the api-server, the controller-manager, a simulated-nodes node-agent and the
# scheduler as real processes; 1,000 warm-up pods, then 10,000 measured pods, on 1,000 and then
# 5,000 nodes.
#
#   bench/scheduler/run.sh       BENCH_OPTS="-Dbench.nodes=1000,5000 -Dbench.pods=10000 -Dbench.quick=true"
#
# The services must be packaged (./mvnw install -DskipTests); this small module is compiled
# offline if its classes are missing. The packaged roles are copied first, so rebuilding a module
# during the run is harmless; -Dcapstan.<role>.jar=<path> runs a role packaged elsewhere. Without a
# node-agent that has the simulated mode, the bench registers the Nodes itself (the report says
# so). Every wait is bounded; a default run takes about 5 to 12 minutes, depending on the load.
#
#   bench/scheduler/run.sh       BENCH_OPTS="-Dbench.reportOnly=true"   # REPORT.md again from results/latest.json
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
if [[ ! -f "$here/target/classpath.txt" || ! -d "$here/target/classes/io/capstan/bench/scheduler" ]]; then
  echo "building bench/scheduler (offline) ..."
  (cd "$root" && ./mvnw -q -B -o install -pl services/scheduler,bench/scheduler -DskipTests)
fi
cd "$root"
exec "$JAVA_HOME/bin/java" -Xmx512m -XX:+UseSerialGC ${BENCH_OPTS:-} \
  -cp "$here/target/classes:$(cat "$here/target/classpath.txt")" \
  io.capstan.bench.scheduler.SchedulerBench "$here"
