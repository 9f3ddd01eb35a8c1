#!/usr/bin/env bash
# Installs what tests/deploy needs beyond scripts/install-deps.sh, from apt: docker.io (dockerd,
# runc; ImageIT starts a daemon of its own), docker-compose 1.29 (`docker-compose config`) and
# prometheus (promtool), and python3-yaml for scripts/build-runtime-images.sh (the docker runtime's
# tests import the image catalog's images into their dockerd). Idempotent; busybox-static is part of the base image
# scripts/build-base-image.sh makes.
set -euo pipefail

need_apt=()
command -v dockerd >/dev/null 2>&1 || need_apt+=(docker.io)
command -v docker-compose >/dev/null 2>&1 || need_apt+=(docker-compose)
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)
python3 -c 'import yaml' >/dev/null 2>&1 || need_apt+=(python3-yaml)
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' || need_apt+=(busybox-static)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing ${need_apt[*]} with apt-get" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
exit 0
