# Kinframe's image: one image for the web processes and the task workers.
#   docker build -t kinframe .
# Two stages: the builder installs the locked dependencies with uv; the runtime copies only the
# virtual environment and runs as an unprivileged user. The base is pinned to an exact tag
# (Python 3.11 on Debian 12); pin its digest too where your registry policy asks for it:
#   docker buildx imagetools inspect python:3.11.14-slim-bookworm

FROM python:3.11.14-slim-bookworm AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_PYTHON_DOWNLOADS=never
RUN pip install --no-cache-dir uv==0.13.8
WORKDIR /src
# Dependencies first (a layer that changes only with the lock file), then the project itself.
COPY pyproject.toml uv.lock README.md LICENSE ./
RUN uv sync --frozen --no-dev --no-install-project --no-editable
COPY src ./src
RUN uv sync --frozen --no-dev --no-editable \
    && SECRET_KEY=collectstatic-only STATIC_ROOT=/app/static KINFRAME_DATA_DIR=/tmp/kinframe \
       /app/.venv/bin/kinframe collectstatic --noinput

FROM python:3.11.14-slim-bookworm AS runtime
# A fixed uid/gid so volume permissions are predictable across hosts.
RUN groupadd --system --gid 10001 kinframe \
    && useradd --system --uid 10001 --gid kinframe --home-dir /app --shell /usr/sbin/nologin kinframe \
    && mkdir -p /var/lib/kinframe/private /var/lib/kinframe/backups \
    && chown -R kinframe:kinframe /var/lib/kinframe
COPY --from=builder --chown=root:root /app /app
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    KINFRAME_DATA_DIR=/var/lib/kinframe \
    PRIVATE_MEDIA_ROOT=/var/lib/kinframe/private \
    STATIC_ROOT=/app/static \
    BIND=0.0.0.0:8000 \
    LOG_FORMAT=json
WORKDIR /app
USER kinframe:kinframe
EXPOSE 8000
# The web process by default; the worker runs the same image with `kinframe worker`.
CMD ["kinframe", "serve", "--no-worker"]
