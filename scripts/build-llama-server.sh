#!/usr/bin/env bash
# Builds llama.cpp's own llama-server from the exact llama.cpp source node-llama-cpp was built
# against (the git bundle it ships), so `npm run bench:scale` compares like with like.
# Usage: scripts/build-llama-server.sh DIR   -> DIR/src (checkout), DIR/src/build/bin/llama-server
# Needs git, cmake and a C++ compiler; about 15 minutes on 2 cores. Then:
#   LLAMA_SERVER_BIN=DIR/src/build/bin/llama-server npm run bench:scale
set -euo pipefail

if [ $# -ne 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  echo "usage: $0 DIR   (builds DIR/src/build/bin/llama-server)" >&2
  exit 2
fi
repo_root="$(cd "$(dirname "$0")/.." && pwd)"
bundle="$repo_root/node_modules/node-llama-cpp/llama/gitRelease.bundle"
if [ ! -f "$bundle" ]; then
  echo "no $bundle: run npm install first" >&2
  exit 1
fi
for tool in git cmake; do
  command -v "$tool" >/dev/null || { echo "$tool is needed (apt-get install $tool)" >&2; exit 1; }
done

mkdir -p "$1"
src="$(cd "$1" && pwd)/src"
if [ -d "$src/.git" ]; then
  echo "reusing the checkout in $src"
else
  git clone --quiet "$bundle" "$src"
fi
cd "$src"
# The web UI is prebuilt and downloaded by default, and curl is only for downloading models:
# both off, so the build works offline.
cmake -B build -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_CURL=OFF -DCMAKE_BUILD_TYPE=Release
cmake --build build --target llama-server -j"$(nproc)"
echo "built $src/build/bin/llama-server"
"$src/build/bin/llama-server" --version 2>&1 | grep -i version || true
