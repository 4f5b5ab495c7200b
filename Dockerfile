# briefbot: one image for every process (`briefbot run`, `briefbot db upgrade`, the CLI).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BRIEFBOT_DATA_DIR=/data

# Install from a scratch copy of the source, then drop it: only the installed package runs.
COPY pyproject.toml README.md /src/
COPY bot /src/bot
COPY briefs /src/briefs
COPY news /src/news
COPY services /src/services
COPY storage /src/storage
RUN pip install /src && rm -rf /src

# Never run as root; /data holds uploads (and the SQLite file when no database URL is set).
RUN useradd --create-home --uid 10001 --user-group briefbot \
    && mkdir -p /data && chown briefbot:briefbot /data
USER briefbot
WORKDIR /home/briefbot
VOLUME ["/data"]

# `briefbot run` answers GET /healthz; the probe asks it on BRIEFBOT_WEB_HOST/PORT.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["briefbot", "healthcheck"]

ENTRYPOINT ["briefbot"]
CMD ["run"]
