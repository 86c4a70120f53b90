#!/bin/sh
# Start vLLM's OpenAI-compatible server as an adaptive-compute node: the node token
# is its API key; with a lease TLS key (Vast.ai, RunPod over TCP) it serves https
# with the certificate `adaptive-compute node-tls` builds from that key.
set -eu
: "${ADAPTIVE_COMPUTE_NODE_TOKEN:?set by the provider adapter}"
TLS_ARGS=""
if [ -n "${ADAPTIVE_COMPUTE_TLS_KEY:-}" ]; then
  node /opt/ac/node_modules/adaptive-compute/dist/cli.js node-tls /tmp/node-tls
  TLS_ARGS="--ssl-keyfile /tmp/node-tls/key.pem --ssl-certfile /tmp/node-tls/cert.pem"
fi
# The TLS key is on disk now; the server needs no copy of it in its environment.
unset ADAPTIVE_COMPUTE_TLS_KEY
# shellcheck disable=SC2086
exec vllm serve "$MODEL" --host 0.0.0.0 --port "${PORT:-8000}" --api-key "$ADAPTIVE_COMPUTE_NODE_TOKEN" $TLS_ARGS
