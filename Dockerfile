# One image for every process (web, worker, beat); compose picks the command.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    OMP_NUM_THREADS=1 \
    ASESOR_DATA_DIR=/var/lib/asesor

WORKDIR /app
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 gettext \
       libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 1000 --home /app asesor \
    && mkdir -p /var/lib/asesor && chown asesor /var/lib/asesor

COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock

COPY --chown=asesor . .
RUN DJANGO_SECRET_KEY=build-only python manage.py collectstatic --noinput -v0 \
    && python manage.py compilemessages -v0 --ignore=.venv

USER asesor
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
