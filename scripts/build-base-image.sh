#!/usr/bin/env bash
# Builds Capstan's container base image without a Docker daemon and without pulling anything:
# a JRE linked with jlink from this machine's JDK (21 or newer, scripts/java-home.sh) under
# /opt/java/openjdk, the Debian packages that JRE links against (libc6, taken from this
# machine's dpkg database), busybox-static as /bin/sh and the usual tools (for `kubectl exec`
# and health checks), and the non-root user 185 that every Capstan image runs as.
#
# Output: target/base-image/capstan-jre.tar, a `docker save` archive (one gzip layer) tagged
# capstan/jre:local and capstan/jre:<java feature version>. Jib reads it as
# tar://.../capstan-jre.tar (see the `container-images` profile of the root pom), `docker load`
# reads it too. Idempotent: the archive is rebuilt only when this script, the JDK or the
# packages change. Options: --load also loads it into the local dockerd (DOCKER_HOST is honoured);
# --out DIR writes somewhere else.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/target/base-image
LOAD=false
while [ $# -gt 0 ]; do
  case "$1" in
    --load) LOAD=true ;;
    --out) OUT=$2; shift ;;
    *) echo "usage: $0 [--load] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done

JAVA_HOME=$("$ROOT/scripts/java-home.sh")
FEATURE=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$JAVA_HOME/release")
# java.se plus what Quarkus, Netty, gRPC and Micrometer reach for at run time.
MODULES=java.se,jdk.unsupported,jdk.management,jdk.management.jfr,jdk.jfr,jdk.naming.dns,jdk.net,jdk.zipfs,jdk.crypto.cryptoki
# Native libraries of headless-irrelevant modules (X11, ALSA, splash) are never loaded by a server.
GUI_LIBS='libawt_xawt.so|libjawt.so|libjsound.so|libsplashscreen.so'
PACKAGES_ALWAYS=(base-files netbase busybox-static)
TAR_FILE=$OUT/capstan-jre.tar

for tool in dpkg-query sha256sum gzip tar; do
  command -v "$tool" >/dev/null || { echo "build-base-image: needs $tool (a Debian or Ubuntu machine)" >&2; exit 1; }
done
for pkg in "${PACKAGES_ALWAYS[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || {
    echo "build-base-image: the Debian package $pkg is missing (apt-get install -y $pkg)" >&2; exit 1; }
done

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
JRE=$WORK/rootfs/opt/java/openjdk
mkdir -p "$WORK/rootfs/opt/java"

# The stamp names every input; an unchanged stamp means an unchanged image.
stamp() {
  { sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1; cat "$JAVA_HOME/release"; echo "$MODULES";
    dpkg-query -W -f='${Package} ${Version}\n' libc6 "${PACKAGES_ALWAYS[@]}"; } | sha256sum | cut -d' ' -f1
}
STAMP=$(stamp)
if [ -f "$TAR_FILE" ] && [ "$(cat "$OUT/stamp" 2>/dev/null)" = "$STAMP" ]; then
  echo "base image up to date: $TAR_FILE"
else
  echo "linking a Java $FEATURE runtime from $JAVA_HOME"
  "$JAVA_HOME/bin/jlink" --add-modules "$MODULES" --strip-debug --no-man-pages --no-header-files \
    --generate-cds-archive --output "$JRE" >/dev/null

  # The Debian packages owning every shared library the runtime links against.
  mapfile -t libs < <(find "$JRE" -type f \( -name '*.so' -o -path '*/bin/*' \) | grep -Ev "$GUI_LIBS" \
    | xargs -r ldd 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\/.*ld-linux/ {print $1}' \
    | grep -v "^$JRE" | sort -u)
  mapfile -t packages < <({ printf '%s\n' "${PACKAGES_ALWAYS[@]}";
    for lib in "${libs[@]}"; do dpkg-query -S "$lib" 2>/dev/null || dpkg-query -S "$(readlink -f "$lib")"; done \
      | cut -d: -f1; } | sort -u)
  echo "taking ${packages[*]} from this machine's dpkg database"
  # Every file goes where it really is: Debian 12 is merged-/usr (/lib, /bin ... link into /usr).
  for pkg in "${packages[@]}"; do
    dpkg-query -L "$pkg" | grep -Ev '^/usr/share/(doc|man|info|locale|lintian|bug)(/|$)|^/\.$' | while read -r path; do
      if [ -d "$path" ]; then
        [ -L "$path" ] || mkdir -p "$WORK/rootfs$(readlink -f "$path")"
      elif [ -e "$path" ] || [ -L "$path" ]; then
        dir=$(readlink -f "$(dirname "$path")")
        mkdir -p "$WORK/rootfs$dir"
        cp -a "$path" "$WORK/rootfs$dir/"
      fi
    done
  done
  for d in bin sbin lib lib64; do
    [ -e "$WORK/rootfs/$d" ] || ln -s "usr/$d" "$WORK/rootfs/$d"
  done
  for applet in $("$WORK/rootfs/usr/bin/busybox" --list); do
    [ -e "$WORK/rootfs/usr/bin/$applet" ] || [ -e "$WORK/rootfs/usr/sbin/$applet" ] || ln -s busybox "$WORK/rootfs/usr/bin/$applet"
  done

  mkdir -p "$WORK/rootfs"/{etc,tmp,var/tmp,home/capstan,var/lib/capstan,deployments,proc,sys,dev,run}
  chmod 1777 "$WORK/rootfs/tmp" "$WORK/rootfs/var/tmp"
  cat >"$WORK/rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
capstan:x:185:185:Capstan:/home/capstan:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
  cat >"$WORK/rootfs/etc/group" <<'EOF'
root:x:0:
capstan:x:185:
nogroup:x:65534:
EOF
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$WORK/rootfs/etc/nsswitch.conf"

  # One reproducible layer: sorted names, epoch times, root-owned except the user's home and
  # /var/lib/capstan (state: a Docker volume mounted there starts owned by 185 too).
  layer=$WORK/layer.tar
  (cd "$WORK/rootfs" && tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
    --exclude=./home/capstan --exclude=./var/lib/capstan -cf "$layer" .)
  (cd "$WORK/rootfs" && tar --sort=name --mtime=@0 --owner=185 --group=185 --numeric-owner \
    -rf "$layer" ./home/capstan ./var/lib/capstan)
  diff_id=$(sha256sum "$layer" | cut -d' ' -f1)
  gzip -n -6 "$layer"

  created=1970-01-01T00:00:00Z
  config=$(cat <<EOF
{"architecture":"amd64","os":"linux","created":"$created",
"config":{"User":"185","WorkingDir":"/home/capstan",
"Env":["PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","JAVA_HOME=/opt/java/openjdk","LANG=C.UTF-8"],
"Labels":{"org.opencontainers.image.title":"capstan/jre","org.opencontainers.image.description":"Java $FEATURE runtime (jlink) on Debian libc6 and busybox, user 185"}},
"rootfs":{"type":"layers","diff_ids":["sha256:$diff_id"]},
"history":[{"created":"$created","created_by":"scripts/build-base-image.sh"}]}
EOF
)
  config_id=$(printf '%s' "$config" | sha256sum | cut -d' ' -f1)
  mkdir -p "$WORK/archive/$diff_id"
  printf '%s' "$config" >"$WORK/archive/$config_id.json"
  mv "$layer.gz" "$WORK/archive/$diff_id/layer.tar"
  printf '[{"Config":"%s.json","RepoTags":["capstan/jre:local","capstan/jre:%s"],"Layers":["%s/layer.tar"]}]' \
    "$config_id" "$FEATURE" "$diff_id" >"$WORK/archive/manifest.json"
  mkdir -p "$OUT"
  (cd "$WORK/archive" && tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$TAR_FILE.tmp" manifest.json "$config_id.json" "$diff_id")
  mv "$TAR_FILE.tmp" "$TAR_FILE"
  echo "$STAMP" >"$OUT/stamp"
  echo "base image capstan/jre:local (Java $FEATURE, $(du -h "$TAR_FILE" | cut -f1)): $TAR_FILE"
fi

if $LOAD; then
  docker load -i "$TAR_FILE"
fi
