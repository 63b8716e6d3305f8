#!/usr/bin/env bash
# Checks of deploy/ that need no Docker engine: the nginx template rendered as the official
# image renders it and tested by Debian's nginx (`nginx -t`), every Dockerfile by hadolint,
# the compose file against the Compose specification (dclint).
# Usage: lint-deploy.sh HADOLINT DCLINT
set -euo pipefail
cd "$(dirname "$0")/.."
hadolint=${1:?usage: lint-deploy.sh HADOLINT DCLINT}
dclint=${2:?usage: lint-deploy.sh HADOLINT DCLINT}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# nginx: the template inside a stand-in for the image's nginx.conf (conf.d/*.conf in http).
# `nginx -t` resolves upstream names, so the API is named by an address here.
MPR_API_UPSTREAM=127.0.0.1:8000 NGINX_LISTEN=127.0.0.1:8080 \
  scripts/render-nginx-templates.sh deploy/nginx "$work/conf.d"
if grep -n '\${\(MPR\|NGINX\)_' "$work"/conf.d/*.conf; then
  echo "error: variables left unsubstituted in the rendered template" >&2; exit 1
fi
cat >"$work/nginx.conf" <<CONF
pid $work/nginx.pid;
events {}
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    include $work/conf.d/*.conf;
}
CONF
nginx -t -q -p "$work" -e "$work/error.log" -c "$work/nginx.conf"
echo "nginx -t: deploy/nginx/mpr.conf.template ok"

mapfile -t dockerfiles < <(find deploy -path '*/node_modules' -prune -o \( -name 'Dockerfile' -o -name '*.Dockerfile' \) -print | sort)
"$hadolint" --failure-threshold style "${dockerfiles[@]}"
echo "hadolint: ${dockerfiles[*]} ok"

"$dclint" --max-warnings 0 deploy/compose.yaml
echo "dclint: deploy/compose.yaml ok"
