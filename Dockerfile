# One image for the API, the worker, beat and the migration step (compose.yaml picks the command).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
RUN pip install --no-cache-dir uv==0.13.8
# The dossier's PDF (WeasyPrint) needs pango at run time, and fonts for Chinese and Russian.
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
        libharfbuzz-subset0 fonts-dejavu-core fonts-noto-cjk && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-dev --no-install-project
COPY alembic.ini ./
COPY migrations ./migrations
COPY service ./service
COPY workers ./workers
RUN uv sync --locked --no-dev && python -m compileall -q service workers
ENV PATH="/app/.venv/bin:$PATH"
RUN useradd --create-home committee && mkdir -p /data && chown committee /data
USER committee
EXPOSE 8000
CMD ["committee", "api", "--host", "0.0.0.0", "--port", "8000"]
