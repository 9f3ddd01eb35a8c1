#!/usr/bin/env bash
# Imports the node-agent's well-known images into a Docker daemon without pulling anything, for
# the docker runtime on machines that cannot pull (tests, air-gapped nodes). They are the same
# stand-ins the process runtime's catalog describes (services/node-agent/.../process/images.yaml):
#
#   busybox        a statically linked busybox with every applet linked, /etc/passwd, /etc/group
#   alpine         the same userland, Alpine's users and /etc/alpine-release
#   nginx          busybox httpd in nginx's place: /usr/sbin/nginx serves /usr/share/nginx/html on
#                  port 80 with nginx's default page; nginx's ENTRYPOINT and CMD
#   python         this machine's /usr/bin/python3 with its standard library and the shared
#                  libraries ldd names, on the busybox userland
#   capstan/echo   tools/echo's jar on a jlink'ed JRE (the modules jdeps names), on the busybox userland
#
# Each image is one layer (`docker import`) tagged with the tags Capstan's manifests and tests use
# (busybox:1.36, nginx:stable-alpine, python:3.12-slim, capstan/echo:1.0, ...); tag others with
# `docker tag`. DOCKER_HOST is honoured.
#
# Idempotent and fast when up to date: every image carries a stamp of its inputs (this script,
# busybox, python, the JDK, the echo jar) as the label io.capstan.image-stamp; an image whose stamp
# matches is left alone, and the root file systems are cached as tars under target/runtime-images
# so a fresh daemon only imports them.
#
# Options: --echo PATH   the echo server: a jar or a classes directory
#                        (default tools/echo/target/capstan-echo.jar; build it with ./mvnw -pl tools/echo package)
#          --out DIR     the cache directory (default target/runtime-images)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/target/runtime-images
ECHO_PATH=$ROOT/tools/echo/target/capstan-echo.jar
while [ $# -gt 0 ]; do
  case "$1" in
    --echo) ECHO_PATH=$2; shift ;;
    --out) OUT=$2; shift ;;
    *) echo "usage: $0 [--echo JAR|CLASSES_DIR] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done

fail() { echo "build-runtime-images: $*" >&2; exit 1; }
python3 -c "import yaml" 2>/dev/null || fail "needs python3 with PyYAML (apt-get install -y python3-yaml)"
for tool in docker tar sha256sum ldd; do
  command -v "$tool" >/dev/null || fail "needs $tool"
done
docker version --format '{{.Server.Version}}' >/dev/null 2>&1 \
  || fail "cannot reach the Docker daemon at ${DOCKER_HOST:-unix:///var/run/docker.sock}: $(docker version 2>&1 | tail -1)"

BUSYBOX=""
for candidate in /bin/busybox /usr/bin/busybox /usr/local/bin/busybox; do
  if [ -x "$candidate" ] && ! ldd "$candidate" >/dev/null 2>&1; then BUSYBOX=$candidate; break; fi
done
[ -n "$BUSYBOX" ] || fail "needs a statically linked busybox (apt-get install busybox-static)"
PYTHON=$(readlink -f /usr/bin/python3 2>/dev/null || true)
[ -x "$PYTHON" ] || fail "needs /usr/bin/python3 for the python image (apt-get install python3)"
PYTHON_VERSION=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
[ -e "$ECHO_PATH" ] || fail "no echo server at $ECHO_PATH (build it: ./mvnw -pl tools/echo package, or pass --echo)"
JAVA_HOME=$("$ROOT/scripts/java-home.sh")

mkdir -p "$OUT"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

sha() { sha256sum "$@" | cut -d' ' -f1; }
# the files of each image come from the process runtime's image catalog, so both runtimes run the same images
CATALOG=$ROOT/services/node-agent/src/main/resources/io/capstan/nodeagent/runtime/process/images.yaml
COMMON=$( { sha "${BASH_SOURCE[0]}"; sha "$BUSYBOX"; sha "$CATALOG"; } | sha256sum | cut -d' ' -f1)
DOCKER_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
EXISTING_TAGS=$(docker image ls --format '{{.Repository}}:{{.Tag}}')

# The busybox userland every image has: the binary, every applet in /bin (as Docker's busybox
# image has them) and where busybox says it lives (as Alpine has them).
userland() {
  local root=$1
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,etc,root,tmp,var/tmp,home,proc,sys,dev}
  chmod 1777 "$root/tmp" "$root/var/tmp"
  chmod 700 "$root/root"
  cp "$BUSYBOX" "$root/bin/busybox"
  local applet
  for applet in $("$BUSYBOX" --list-full); do
    [ -e "$root/bin/${applet##*/}" ] || ln -s busybox "$root/bin/${applet##*/}"
    case "$applet" in */*) [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet" ;; esac
  done
}

# Copies the shared libraries ldd names for FILES (except those inside ROOT) to their paths under ROOT.
copy_libs() {
  local root=$1; shift
  local lib
  for lib in $(for f in "$@"; do ldd "$f" 2>/dev/null || true; done \
      | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\/.*ld-linux/ {print $1}' | sort -u); do
    case "$lib" in "$root"/*) continue ;; esac
    [ -e "$root$lib" ] && continue
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}

# import_image NAME STAMP BUILD-FUNCTION TAGS -- CHANGES...: the image NAME:latest from the root the
# function fills, unless it already carries STAMP; then every tag.
import_image() {
  local name=$1 stamp=$2 build=$3; shift 3
  local tags=()
  while [ "$1" != "--" ]; do tags+=("$1"); shift; done
  shift
  local current
  current=$(docker image inspect --format '{{index .Config.Labels "io.capstan.image-stamp"}}' "$name:latest" 2>/dev/null || true)
  if [ "$current" = "$stamp" ]; then
    echo "$name up to date"
  else
    local tar=$OUT/${name//\//_}.tar
    if [ ! -f "$tar" ] || [ "$(cat "$tar.stamp" 2>/dev/null)" != "$stamp" ]; then
      local root=$WORK/${name//\//_}
      mkdir -p "$root"
      "$build" "$root"
      tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$root" -cf "$tar.tmp" .
      mv "$tar.tmp" "$tar"
      echo "$stamp" >"$tar.stamp"
    fi
    local changes=()
    local change
    for change in "$@" "LABEL io.capstan.image-stamp=$stamp"; do changes+=(--change "$change"); done
    docker import "${changes[@]}" "$tar" "$name:latest" >/dev/null
    echo "$name imported ($(du -h "$tar" | cut -f1))"
    EXISTING_TAGS=$(printf '%s\n' "$EXISTING_TAGS" | grep -vx "$name:.*" || true)
  fi
  local tag
  for tag in "${tags[@]}"; do
    printf '%s\n' "$EXISTING_TAGS" | grep -qx "$name:$tag" || docker tag "$name:latest" "$name:$tag"
  done
}

# Writes the files the catalog gives image $1 (passwd, group, nginx's stand-in ...) under $2.
catalog_files() {
  python3 - "$CATALOG" "$1" "$2" <<'PY'
import os, sys, yaml
catalog, name, root = sys.argv[1:]
image = next(i for i in yaml.safe_load(open(catalog))["images"] if i["name"] == name)
for path, content in (image.get("files") or {}).items():
    target = root + path
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "w") as f:
        f.write(content)
    os.chmod(target, 0o755 if content.startswith("#!") else 0o644)
PY
}

build_busybox() {
  userland "$1"
  catalog_files busybox "$1"
}

# Alpine's userland is busybox too; apk is not.
build_alpine() {
  userland "$1"
  catalog_files alpine "$1"
}

build_nginx() {
  userland "$1"
  catalog_files nginx "$1"
  mkdir -p "$1/var/cache/nginx" "$1/etc/nginx"
}

build_python() {
  build_busybox "$1"
  local stdlib
  stdlib=$(dirname "$("$PYTHON" -c 'import os; print(os.__file__)')")
  mkdir -p "$1$stdlib/lib-dynload"
  cp -a "$PYTHON" "$1$PYTHON"
  cp -a "$stdlib"/lib-dynload/. "$1$stdlib/lib-dynload/"
  copy_libs "$1" "$PYTHON" "$stdlib"/lib-dynload/*.so
  ln -sf "$(basename "$PYTHON")" "$1/usr/bin/python3"
  ln -sf python3 "$1/usr/bin/python"
  # the standard library, without its tests, GUI and build-time parts
  tar -C / --exclude="${stdlib#/}/test" --exclude="${stdlib#/}/idlelib" --exclude="${stdlib#/}/tkinter" \
    --exclude="${stdlib#/}/turtledemo" --exclude="${stdlib#/}/ensurepip" --exclude="${stdlib#/}/config-*" \
    --exclude="${stdlib#/}/lib-dynload" -cf - "${stdlib#/}" | tar -C "$1" -xf -
}

ECHO_MODULES=""
JRE=""
build_echo() {
  build_busybox "$1"
  mkdir -p "$1/opt/java" "$1/opt/capstan-echo"
  cp -a "$JRE" "$1/opt/java/openjdk"
  copy_libs "$1" $(find "$1/opt/java/openjdk" -type f \( -name '*.so' -o -path '*/bin/*' \))
  if [ -d "$ECHO_PATH" ]; then cp -a "$ECHO_PATH" "$1/opt/capstan-echo/classes"; else cp "$ECHO_PATH" "$1/opt/capstan-echo/capstan-echo.jar"; fi
}

import_image busybox "$COMMON" build_busybox 1 1.36 1.37 -- \
  "ENV PATH=$DOCKER_PATH" 'CMD ["sh"]'
import_image alpine "$COMMON" build_alpine 3 3.20 -- \
  "ENV PATH=$DOCKER_PATH" 'CMD ["/bin/sh"]'
import_image nginx "$COMMON" build_nginx stable alpine stable-alpine mainline 1 1.25 1.26 1.27 1.28 -- \
  "ENV PATH=$DOCKER_PATH" 'ENTRYPOINT ["/docker-entrypoint.sh"]' 'CMD ["nginx", "-g", "daemon off;"]'
PYTHON_STAMP=$( { echo "$COMMON"; sha "$PYTHON"; "$PYTHON" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)
import_image python "$PYTHON_STAMP" build_python 3 "$PYTHON_VERSION" 3.12 3-slim 3.12-slim slim -- \
  "ENV PATH=$DOCKER_PATH" "ENV LANG=C.UTF-8" 'CMD ["python3"]'

if [ -d "$ECHO_PATH" ]; then
  ECHO_SHA=$(cd "$ECHO_PATH" && find . -type f | sort | xargs sha256sum | sha256sum | cut -d' ' -f1)
  ECHO_CP=/opt/capstan-echo/classes
else
  ECHO_SHA=$(sha "$ECHO_PATH")
  ECHO_CP=/opt/capstan-echo/capstan-echo.jar
fi
ECHO_STAMP=$( { echo "$COMMON"; echo "$ECHO_SHA"; cat "$JAVA_HOME/release"; } | sha256sum | cut -d' ' -f1)
current=$(docker image inspect --format '{{index .Config.Labels "io.capstan.image-stamp"}}' capstan/echo:latest 2>/dev/null || true)
if [ "$current" != "$ECHO_STAMP" ] && [ "$(cat "$OUT/capstan_echo.tar.stamp" 2>/dev/null)" != "$ECHO_STAMP" ]; then
  ECHO_MODULES=$("$JAVA_HOME/bin/jdeps" --print-module-deps --ignore-missing-deps "$ECHO_PATH")
  JRE=$WORK/jre
  echo "linking a JRE with $ECHO_MODULES for capstan/echo"
  "$JAVA_HOME/bin/jlink" --add-modules "$ECHO_MODULES" --strip-debug --no-man-pages --no-header-files \
    --generate-cds-archive --output "$JRE" >/dev/null
fi
# as the process runtime runs it: SerialGC, C1 only, a small heap
import_image capstan/echo "$ECHO_STAMP" build_echo 1.0 2.0 3.0 -- \
  "ENV PATH=/opt/java/openjdk/bin:$DOCKER_PATH" "ENV JAVA_HOME=/opt/java/openjdk" \
  "ENTRYPOINT [\"/opt/java/openjdk/bin/java\", \"-XX:+UseSerialGC\", \"-XX:TieredStopAtLevel=1\", \"-Xss256k\", \"-Xms8m\", \"-Xmx64m\", \"-XX:ReservedCodeCacheSize=16m\", \"-XX:-UsePerfData\", \"-cp\", \"$ECHO_CP\", \"io.capstan.echo.EchoServer\"]"
