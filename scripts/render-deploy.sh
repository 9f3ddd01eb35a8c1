#!/usr/bin/env bash
# Regenerates the deployment files derived from others: charts/capstan/files/ (copies of
# observability/'s alerts, dashboards and Envoy stats listeners and of mesh/envoy/bootstrap.yaml,
# which Helm can only read inside the chart) and k8s/
# (charts/capstan rendered by Helm with its default values, release and namespace "capstan").
# tests/deploy's GeneratedFilesTest fails while they are stale; this runs it in update mode.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
JAVA_HOME=$("$ROOT/scripts/java-home.sh") ./mvnw -q -B -pl tests/deploy test \
  -Dtest=GeneratedFilesTest -Dsurefire.failIfNoSpecifiedTests=false -Dcapstan.deploy.update=true
echo "rendered k8s/ and charts/capstan/files/"
git -C "$ROOT" status --short k8s charts/capstan/files 2>/dev/null || true
