#!/usr/bin/env bash
# Make sure system tools exist: `ensure-system-packages.sh COMMAND=PACKAGE ...`.
# Installs missing ones with apt-get when that is possible, else says what to install.
set -euo pipefail
missing=()
for pair in "$@"; do
  cmd=${pair%%=*}; pkg=${pair#*=}
  command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
done
((${#missing[@]})) || exit 0
echo "installing system packages: ${missing[*]}"
if command -v apt-get >/dev/null 2>&1; then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  if [[ -z $sudo ]] || command -v sudo >/dev/null 2>&1; then
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
    exit 0
  fi
fi
if command -v brew >/dev/null 2>&1; then
  brew install "${missing[@]}"
  exit 0
fi
echo "error: please install ${missing[*]} with your system's package manager" >&2
exit 1
