#!/usr/bin/env bash
# Installs what Capstan needs to run and to test on a fresh Debian machine: etcd (server and
# client, from apt), a JDK of version 21 or newer for the Maven wrapper, and what the node-agent's
# process runtime runs containers with: a statically linked busybox (the busybox, alpine and nginx
# images), perl (the container shim), python3 (the python image). Idempotent.
set -euo pipefail

need_apt=()
command -v etcd >/dev/null 2>&1 || need_apt+=(etcd-server)
command -v etcdctl >/dev/null 2>&1 || need_apt+=(etcd-client)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
# busybox-static, not busybox: a container's root holds nothing but the busybox binary
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' || need_apt+=(busybox-static)
command -v perl >/dev/null 2>&1 || need_apt+=(perl-base)
[ -x /usr/bin/python3 ] || need_apt+=(python3)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing ${need_apt[*]} with apt-get" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
# Debian's package may start an etcd on the default ports; Capstan uses its own ports and data dir.
exit 0
