# archive-search: the web service and the indexer in one image.
#
#   docker build -t archive-search .
#   docker volume create archive-index
#   # index (the only container that may write the index):
#   docker run --rm -v archive-index:/data/index -v "$PWD/corpus:/data/archive:ro" \
#       archive-search archive-search index /data/archive --index /data/index
#   # serve (the index mounted read-only; the public URL makes the API's links absolute):
#   docker run -d -p 8000:8000 -v archive-index:/data/index:ro \
#       -e ARCHIVE_SEARCH_PUBLIC_URL=https://search.example.org archive-search
#
# The commands are the CLI the tests run: `archive-search index` and `archive-search serve`
# (gunicorn with threaded workers: slow clients hold a thread, not a worker; no proxy needed).
# BASE is any Debian bookworm image with Python 3.11 and its venv module: where no registry
# can be reached, one made by mmdebstrap (tests/test_docker.py, docs/operations.md).
ARG BASE=python:3.11-slim-bookworm
FROM ${BASE}
# Behind a proxy that re-signs TLS, pip needs the proxy's certificate authority: mount a bundle
# into the build and name it, e.g. podman build -v /etc/ssl/certs:/host-certs:ro
# --build-arg PIP_CERT=/host-certs/ca-certificates.crt (used by the RUN steps only).
ARG PIP_CERT

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    ARCHIVE_SEARCH_INDEX=/data/index

WORKDIR /app

# Dependencies first, exactly the locked runtime versions (hashes checked), so a source change
# does not reinstall them.
COPY requirements-runtime.lock ./
RUN python3 -m venv "$VIRTUAL_ENV" \
 && pip install --require-hashes -r requirements-runtime.lock

COPY pyproject.toml README.md ./
COPY archive_search ./archive_search
COPY indexer ./indexer
COPY search ./search
COPY web ./web
COPY corpus ./corpus
# The service runs as an unprivileged user (a number: no passwd entry needed on a minimal base).
RUN pip install --no-deps . \
 && mkdir -p /data/index \
 && chown 10001:10001 /data/index

USER 10001:10001
VOLUME ["/data/index"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD python -c "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"

CMD ["archive-search", "serve", "--index", "/data/index", "--host", "0.0.0.0", "--port", "8000"]
