#!/usr/bin/env bash
# Runs the node-proxy benchmark (bench/proxy/REPORT.md, bench/proxy/results/): the packaged
# capstan-proxy as a child process pinned to one core (taskset -c 0, one event loop), the real
# java-control-plane, a Netty HTTP backend and the load generator in this JVM (pinned to core 1).
#   1. overhead: the same backend direct and through the proxy, side by side, 1,000 req/s each;
#   2. throughput: closed loop through the proxy on its one core;
#   3. RSS of the proxy with 1,000 Services pushed.
#
#   bench/proxy/run.sh    BENCH_OPTS="-Dbench.seconds=30 -Dbench.rate=1000 -Dbench.services=1000"
#
# Trying JVM flags: -Dbench.proxyJvm="<flags>" replaces the proxy's flags (ProxyBench.PROXY_JVM),
# -Dbench.proxyJvmExtra adds some (commas stand for spaces in both); -Dbench.memoryOnly=true runs the
# memory phase alone (~15 s) and leaves REPORT.md alone, writing target/memory-only.json,
# target/threads.txt, target/histogram.txt and, with -XX:NativeMemoryTracking=summary,
# target/nmt-services.txt.
#
# Build first: (cd services/proxy && ../../mvnw -o install -DskipTests) and
# (cd bench/proxy && ../../mvnw -o package). -Dcapstan.proxy.jar=<path> runs a proxy packaged elsewhere.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
if [[ ! -f "$here/target/classpath.txt" || ! -d "$here/target/classes/io/capstan/bench/proxy" ]]; then
  echo "building bench/proxy (offline) ..."
  (cd "$root/services/proxy" && ../../mvnw -q -B -o install -DskipTests)
  (cd "$here" && ../../mvnw -q -B -o package)
fi
cd "$root"
exec "$JAVA_HOME/bin/java" -Xmx512m ${BENCH_OPTS:-} \
  -cp "$here/target/classes:$(cat "$here/target/classpath.txt")" \
  io.capstan.bench.proxy.ProxyBench "$here"
