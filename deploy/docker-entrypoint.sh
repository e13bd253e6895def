#!/bin/sh
# The container's entry point: `jinlin run` with the mounted config, or any jinlin command.
#   (no arguments), or options only (--webhook, --port 8081 …)  ->  jinlin run --config FILE …
#   check-config | console | migrate-db | backup | …            ->  jinlin <that command> …
# JINLIN_CONFIG names the config (default /config/config.toml). Secrets come as files
# (JINLIN_TOKEN_FILE=/run/secrets/jinlin_token …), read by jinlin itself, never as values in
# the compose file. JINLIN_MONITORING_PORT serves /healthz and /metrics (the HEALTHCHECK).
set -eu

CONFIG=${JINLIN_CONFIG:-/config/config.toml}

case "${1:-}" in
    "" | -*)
        if [ ! -r "$CONFIG" ]; then
            echo "✗ no config at $CONFIG: mount yours there (start from config.example.toml)" >&2
            exit 2
        fi
        if [ -n "${JINLIN_MONITORING_PORT:-}" ]; then
            set -- --monitoring-port "$JINLIN_MONITORING_PORT" "$@"
        fi
        exec jinlin run --config "$CONFIG" "$@"
        ;;
    *)
        exec jinlin "$@"
        ;;
esac
