# archive-search: the web service and the indexer in one image.
#
#   docker build -t archive-search .
#   docker volume create archive-index
#   # index (the only container that may write the index):
#   docker run --rm -v archive-index:/data/index -v "$PWD/corpus:/data/archive:ro" \
#       archive-search archive-search index /data/archive --index /data/index
#   # serve (the index mounted read-only):
#   docker run -d -p 8000:8000 -v archive-index:/data/index:ro archive-search
#
# The commands are the CLI the tests run: `archive-search index` and `archive-search serve`.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    ARCHIVE_SEARCH_INDEX=/data/index

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so a source change does not reinstall them.
COPY pyproject.toml ./
RUN python -m venv "$VIRTUAL_ENV" \
 && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

COPY README.md ./
COPY archive_search ./archive_search
COPY indexer ./indexer
COPY search ./search
COPY web ./web
COPY corpus ./corpus
RUN pip install --no-deps . \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin search \
 && mkdir -p /data/index \
 && chown search:search /data/index

USER search
VOLUME ["/data/index"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD python -c "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"

CMD ["archive-search", "serve", "--index", "/data/index", "--host", "0.0.0.0", "--port", "8000"]
