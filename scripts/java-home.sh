#!/usr/bin/env bash
# Prints a JAVA_HOME whose java is version 21 or newer: $JAVA_HOME if it qualifies, else the
# newest JDK under /usr/lib/jvm. Exits 1 with a message when there is none.
set -euo pipefail
version_of() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ] && [ "$(version_of "$JAVA_HOME")" -ge 21 ] 2>/dev/null; then
  echo "$JAVA_HOME"; exit 0
fi
best=""; best_v=0
for d in /usr/lib/jvm/*/; do
  d=${d%/}
  [ -x "$d/bin/javac" ] || continue
  v=$(version_of "$d" || echo 0)
  if [ "${v:-0}" -ge 21 ] 2>/dev/null && [ "$v" -gt "$best_v" ]; then best=$d; best_v=$v; fi
done
if [ -z "$best" ]; then
  echo "Capstan needs a JDK 21 or newer (set JAVA_HOME, or install one under /usr/lib/jvm)" >&2
  exit 1
fi
echo "$best"
