#!/usr/bin/env bash
# What the quality benchmark needs beyond the README's set-up: Debian's
# fastText (the CLI every method trains with) and Optuna for Debian's own
# /usr/bin/python3, which bench/quality/optuna_search.py runs under.
set -euo pipefail

missing=()
command -v fasttext >/dev/null || missing+=(fasttext)
/usr/bin/python3 -c 'import optuna' 2>/dev/null || missing+=(python3-optuna)
if [ ${#missing[@]} -eq 0 ]; then
  echo "bench:setup: fasttext and python3-optuna are installed"
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${missing[@]}"
echo "bench:setup: installed ${missing[*]}"
