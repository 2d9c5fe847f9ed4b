#!/usr/bin/env bash
# Installs what the benchmark harness runs besides esauth: the load
# generator and the peers it is compared with, from Debian's packages.
set -euo pipefail
need=()
for pair in wrk:wrk nginx:nginx-light caddy:caddy haproxy:haproxy htpasswd:apache2-utils; do
  command -v "${pair%%:*}" >/dev/null || need+=("${pair#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
# The packages start their own services where an init system runs; the
# harness starts its own instances on free ports instead.
for svc in nginx caddy haproxy; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then
    systemctl stop "$svc" || true
  fi
done
