# The production web service. docker-compose.yml runs it with several workers, PostgreSQL and Redis;
# alone: `docker build -t solibot . && docker run -p 8000:8000 -e DATABASE_URL=… -e USER_KEY_SECRET=… solibot`.
#
# The base image is pinned by version and by digest, so a rebuild gets the same Python and Debian
# packages. The digest is the one docker-library/repo-info recorded for this tag (build of 2026-09-01);
# it could not be checked against the registry from the machine that wrote it, and `docker pull` refuses
# content that does not match it. To move on: a newer tag and its digest (`docker buildx imagetools
# inspect python:3.11.X-slim-bookworm`), then `make lock` (it reads the Python version from this line).
FROM python:3.11.16-slim-bookworm@sha256:c425d915a89a6dcd3183b1797ad9bd8878caff5a417f6371c8df93c8ea8b727f

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# Pango, HarfBuzz's subsetter and a font for WeasyPrint, which lays out the printable round list as PDF
# (bot/printable.py).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so their layer outlives code changes: every file is checked against the lock's
# hashes, a dependency missing from the lock fails the build, and nothing is built from source (a source
# build would fetch its own build tools unchecked).
COPY requirements.lock ./
RUN pip install --require-hashes --only-binary :all: -r requirements.lock

# Then solibot itself, without resolving anything: its dependencies are the lock's, and its build tools
# (setuptools, wheel) came from the lock too.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY search ./search
COPY db ./db
COPY locales ./locales
RUN pip install --no-deps --no-build-isolation . \
    && useradd --create-home --uid 10001 solibot \
    && mkdir -p /app/data && chown solibot /app/data

# Production: `serve` neither seeds the invented sample nor accepts the development USER_KEY_SECRET.
ENV SOLIBOT_ENV=production SEED_SAMPLE=false

USER solibot
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"
# One worker unless told otherwise: several need REDIS_URL to share de-duplication (docker-compose.yml).
CMD ["solibot", "serve", "--host", "0.0.0.0", "--port", "8000"]
