# syntax=docker/dockerfile:1
# Python image for the MLflow, BentoML and KServe backends and the one-shot model builders of
# compose.yaml. REQUIREMENTS is one of the pinned lock files (compose/native/requirements/*.txt,
# compose/tfserving/requirements.txt); the build context is compose/.
FROM python:3.11-slim
ARG REQUIREMENTS
COPY ${REQUIREMENTS} /tmp/requirements.txt
RUN pip install --no-cache-dir --disable-pip-version-check -r /tmp/requirements.txt
ENV PYTHONUNBUFFERED=1 \
    MLFLOW_DISABLE_TELEMETRY=true \
    DO_NOT_TRACK=true \
    BENTOML_DO_NOT_TRACK=true
WORKDIR /srv
