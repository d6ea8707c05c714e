#!/bin/sh
# Demo entrypoint: loads .env and starts the web app (the demo never runs it).
set -eu
cd /app
set -a
. ./.env
set +a
exec python3 /app/app.py "$@"
