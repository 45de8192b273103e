# Warroom in a container: the wheel built from this tree, installed with the PostgreSQL driver
# into a virtual environment in a slim Python image, run as an unprivileged user.
#   docker build -t warroom .
#   docker run --env-file .env -p 3000:3000 -v warroom-data:/var/lib/warroom warroom
# The same image runs the other commands: `docker run --env-file .env warroom db upgrade`,
# `… warroom example env`, `… warroom postmortem 7`. Settings come from the environment; a .env
# file is read from the working directory, /var/lib/warroom (mount one there, or use --env-file).
# tests/test_packaging.py reads this file: it starts `warroom run` from the built wheel with the
# ENV, WORKDIR, ENTRYPOINT, CMD and HEALTHCHECK below, so keep them as simple instructions.

# Any Debian-based image with Python 3.11 or newer and `python` on PATH will do.
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
# .dockerignore lets in only what the package is built from (no .env, database or .git).
COPY . .
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="warroom" \
      org.opencontainers.image.description="Self-hosted, Slack-first incident bot" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV VIRTUAL_ENV=/opt/warroom \
    PATH=/opt/warroom/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WARROOM_HOST=0.0.0.0 \
    WARROOM_PORT=3000 \
    WARROOM_LOG_FORMAT=json
COPY --from=build /wheels /wheels
RUN python -m venv /opt/warroom \
    && /opt/warroom/bin/pip install --no-cache-dir "$(ls /wheels/warroom-*.whl)[postgres]" \
    && rm -rf /wheels \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/warroom --create-home \
        --shell /usr/sbin/nologin warroom
# A number, not a name, so that orchestrators can tell it is not root.
USER 10001:10001
# SQLite's default file (sqlite:///warroom.db) lands here; mount a volume to keep it.
WORKDIR /var/lib/warroom
EXPOSE 3000
# Liveness only: the process answers. Readiness (database, migrations, Slack) is /readyz.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('WARROOM_PORT', '3000'), timeout=2)"]
# SIGTERM (docker stop) lets requests in flight finish; what was accepted is stored, not lost.
STOPSIGNAL SIGTERM
ENTRYPOINT ["warroom"]
CMD ["run"]
