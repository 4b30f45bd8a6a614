#!/usr/bin/env bash
# Installs the GGUF consumers the gguf tests run (node-llama-cpp 3.21.1 with only its prebuilt Linux x64 CPU
# binary, @huggingface/gguf) into gguf/node/node_modules, from the pinned package-lock.json. Optional
# dependencies (the CUDA, Vulkan and other platforms' binaries) are left out; no install script runs, so
# nothing is downloaded or built beyond the registry packages. Needs Node 20+ and npm.
set -euo pipefail
cd "$(dirname "$0")"
command -v npm >/dev/null 2>&1 || { echo "gguf/node/install.sh: npm is not installed (Node 20+ needed)" >&2; exit 1; }
NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm ci --omit=optional --ignore-scripts --no-audit --no-fund --loglevel=error
node -e 'import("node-llama-cpp").then(() => import("@huggingface/gguf")).then(() => console.log("gguf consumers installed: node-llama-cpp 3.21.1, @huggingface/gguf 0.4.6"))'
