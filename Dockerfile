# Sedia's one image: the Rasa server, the action server and the web app run from it
# (`python -m bot.cli.serve rasa|actions|web`, exactly as `make run-prod` runs them).
#
# Two stages. The build stage installs the pinned packages into a virtual env, builds the
# spaCy pipeline from the project's own data and trains the model, so a container trains
# nothing when it starts. The runtime stage copies only the env, the code and the built
# models, and runs as an unprivileged user.
#
# Python 3.10 and rasa 3.6 are past their upstream support (README: Support horizon);
# pin the base image by digest in your registry to keep builds repeatable.

FROM python:3.10-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 \
    TF_CPP_MIN_LOG_LEVEL=2 PYTHONHASHSEED=0 RASA_MAX_CACHE_SIZE=0 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1
RUN apt-get update && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
COPY requirements.txt constraints.txt ./
RUN pip install -r requirements.txt -c constraints.txt && pip check
COPY . .
RUN python -m bot sync-rasa --check \
    && python -m bot.nlp.build models/spacy/sedia \
    && rasa train --out models --fixed-model-name sedia \
    && rm -rf .rasa var

FROM python:3.10-slim-bookworm AS runtime
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONHASHSEED=0 \
    TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    PYTHONPATH=/app SEDIA_DATA_DIR=/app/var SEDIA_BIND_HOST=0.0.0.0 \
    HOME=/app/var RASA_TELEMETRY_ENABLED=false MPLCONFIGDIR=/tmp
RUN groupadd --system --gid 10001 sedia \
    && useradd --system --uid 10001 --gid sedia --home-dir /app --shell /usr/sbin/nologin sedia
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=root:root /app /app
RUN mkdir -p /app/var && chown sedia:sedia /app/var
WORKDIR /app
USER sedia
EXPOSE 5005 5055 8000
# Which server: docker-compose.yml gives each service its own command.
CMD ["python", "-m", "bot.cli.serve", "rasa"]
