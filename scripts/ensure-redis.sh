#!/usr/bin/env bash
# tests/state/ run against the real Redis on 127.0.0.1:6379 (issue 5 §2). These machines
# start one; if it is not answering, start it as the machine does (nothing kept on disk),
# installing Debian's redis-server first if it is missing.
set -euo pipefail
redis_answers() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }
redis_answers && exit 0
if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >&2
  $SUDO apt-get install -y -qq redis-server >&2
fi
redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no >&2
for _ in $(seq 1 100); do redis_answers && exit 0; sleep 0.1; done
echo "Redis did not answer on 127.0.0.1:6379 within 10 s" >&2
exit 1
