# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY clusterplatform clusterplatform
COPY clusters clusters
COPY matchmaking matchmaking
COPY events events
RUN pip install .
COPY . .
# collectstatic needs no database or secrets; the manifest storage hashes file names.
RUN DEBUG=0 SECRET_KEY=build-only STATICFILES_BACKEND=whitenoise.storage.CompressedManifestStaticFilesStorage \
    python manage.py collectstatic --no-input
RUN useradd --system --uid 1000 app && mkdir -p /srv/media && chown -R app /app /srv/media
USER app
EXPOSE 8000
CMD ["gunicorn", "clusterplatform.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
