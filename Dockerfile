# The web service: `docker build -t solibot . && docker run -p 8000:8000 -e DATABASE_URL=... solibot`
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY search ./search
COPY db ./db
COPY locales ./locales
RUN pip install . && useradd --create-home solibot && mkdir -p /app/data && chown solibot /app/data

USER solibot
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
CMD ["solibot", "serve", "--host", "0.0.0.0", "--port", "8000"]
