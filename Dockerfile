# Jinlin in a container: `docker compose up -d` (compose.yaml) or
#   docker build -t jinlin . && docker run -v ./config.toml:/config/config.toml:ro \
#     -v jinlin-data:/data -e JINLIN_TOKEN_FILE=/run/secrets/jinlin_token jinlin
FROM python:3.11-slim

# No .pyc writes into the read-only image, logs unbuffered for `docker logs`.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin jinlin \
    && mkdir -p /data /config \
    && chown jinlin:jinlin /data
COPY --chmod=0755 deploy/docker-entrypoint.sh /usr/local/bin/jinlin-entrypoint

# The SQLite file (bot.database, relative to here) lives on a volume; the config is mounted.
WORKDIR /data
VOLUME ["/data"]
USER jinlin

# The health endpoint is served when the config sets [monitoring] port (9108 in compose).
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD python -c "import os, sys, urllib.request; port = os.environ.get('JINLIN_MONITORING_PORT'); sys.exit(0 if not port else urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=8).status != 200)"

ENTRYPOINT ["jinlin-entrypoint"]
CMD []
