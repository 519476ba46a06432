#!/usr/bin/env bash
# Serve the lab agent repository (.cache/lab/apt) over HTTP to the lab's containers.
#
#   lab/agent-repo/serve.sh start    start (idempotent: a running server is kept)
#   lab/agent-repo/serve.sh stop     stop it
#   lab/agent-repo/serve.sh status   exit 0 when it answers
#   lab/agent-repo/serve.sh url      print the URL containers use, e.g. http://172.17.0.1:8765
#
# It listens only on the Docker bridge's gateway address (docker0), nowhere else.
# Env: DDX_LAB_REPO_PORT (default 8765), DDX_LAB_REPO_BIND (default: docker0's IPv4 address).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${DDX_LAB_CACHE:-$root/.cache/lab}
apt_dir=$cache/apt
port=${DDX_LAB_REPO_PORT:-8765}
pidfile=$cache/agent-repo-http.pid
logfile=$cache/agent-repo-http.log
python=$root/.venv/bin/python
[ -x "$python" ] || python=python3

bind_addr() {
  if [ -n "${DDX_LAB_REPO_BIND:-}" ]; then
    echo "$DDX_LAB_REPO_BIND"
    return
  fi
  local addr
  addr=$(ip -4 -o addr show docker0 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -1)
  [ -n "$addr" ] || { echo "serve.sh: no IPv4 address on docker0 (is Docker running?)" >&2; return 1; }
  echo "$addr"
}

url() { echo "http://$(bind_addr):$port"; }

running() {
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

answers() {
  "$python" - "$(url)/dists/stable/InRelease" <<'EOF'
import sys
import urllib.request

try:
    with urllib.request.urlopen(sys.argv[1], timeout=3) as r:  # noqa: S310 - our own bridge URL
        sys.exit(0 if r.status == 200 else 1)
except OSError:
    sys.exit(1)
EOF
}

start() {
  [ -f "$apt_dir/dists/stable/InRelease" ] || { echo "serve.sh: no repository in $apt_dir; run lab/agent-repo/build.sh first" >&2; exit 1; }
  local addr
  addr=$(bind_addr)
  if running; then
    if answers; then
      echo "agent repo already served at $(url) (pid $(cat "$pidfile"))"
      return 0
    fi
    kill "$(cat "$pidfile")" 2>/dev/null || true
  fi
  mkdir -p "$cache"
  nohup "$python" -m http.server --bind "$addr" --directory "$apt_dir" "$port" >"$logfile" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 50); do
    answers && break
    sleep 0.1
  done
  answers || { cat "$logfile" >&2; echo "serve.sh: the server did not answer on $(url)" >&2; exit 1; }
  echo "agent repo served at $(url) (pid $(cat "$pidfile"), log $logfile)"
}

stop() {
  if running; then
    kill "$(cat "$pidfile")"
    echo "agent repo server stopped"
  fi
  rm -f "$pidfile"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) running && answers ;;
  url) url ;;
  *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
