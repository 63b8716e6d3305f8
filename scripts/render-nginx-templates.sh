#!/usr/bin/env bash
# Render nginx templates as the official nginx image does when it starts: every
# TEMPLATE_DIR/**/*.template becomes OUTPUT_DIR/**/<name without .template>, envsubst
# substituting only the variables the environment defines (NGINX_ENVSUBST_FILTER, a regular
# expression, narrows them); nginx's own $variables stay as they are.
# Usage: render-nginx-templates.sh TEMPLATE_DIR OUTPUT_DIR
set -euo pipefail
template_dir=${1:?usage: render-nginx-templates.sh TEMPLATE_DIR OUTPUT_DIR}
output_dir=${2:?usage: render-nginx-templates.sh TEMPLATE_DIR OUTPUT_DIR}
suffix=${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}
filter=${NGINX_ENVSUBST_FILTER:-}
defined=""
for name in $(compgen -e); do
  [[ $name =~ $filter ]] && defined+="\${$name} "
done
while IFS= read -r -d '' template; do
  relative=${template#"$template_dir"/}
  output="$output_dir/${relative%"$suffix"}"
  mkdir -p "$(dirname "$output")"
  envsubst "$defined" <"$template" >"$output"
done < <(find "$template_dir" -follow -type f -name "*$suffix" -print0)
