#!/usr/bin/env bash
# Runs the xDS convergence benchmark (bench/xds/REPORT.md, bench/xds/results/): etcd, Kafka, the
# api-server and the packaged mesh control plane as processes; 1,000 Services with 5,000
# endpoints; 10 ADS clients that ACK; 20 endpoint changes a second for 30 s after 5 s of warm-up.
#
#   bench/xds/run.sh       BENCH_OPTS="-Dbench.services=1000 -Dbench.endpoints=5 -Dbench.clients=10 -Dbench.rate=20 -Dbench.seconds=30"
#
# The api-server and mesh/control-plane must be packaged (./mvnw install -DskipTests in each);
# this small module is compiled offline if its classes are missing. -Dcapstan.mesh.jar=<path>
# runs a control plane packaged elsewhere. Every wait is bounded; a default run takes about 2 minutes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
if [[ ! -f "$here/target/classpath.txt" || ! -d "$here/target/classes/io/capstan/bench/xds" ]]; then
  echo "building bench/xds (offline) ..."
  (cd "$here" && ../../mvnw -q -B -o package -DskipTests)
fi
cd "$root"
exec "$JAVA_HOME/bin/java" -Xmx768m -XX:+UseSerialGC ${BENCH_OPTS:-} \
  -cp "$here/target/classes:$(cat "$here/target/classpath.txt")" \
  io.capstan.bench.xds.XdsBench "$here"
