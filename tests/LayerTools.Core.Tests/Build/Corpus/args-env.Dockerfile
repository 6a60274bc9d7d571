# syntax=docker/dockerfile:1
ARG BASE=alpine
ARG TAG
FROM ${BASE}:${TAG:-3.19}
ARG USER_NAME=app
ARG HOME_DIR="/home/${USER_NAME}"
ENV APP_HOME=${HOME_DIR}/srv \
    GREETING="hello world" \
    LITERAL='$NOT_EXPANDED'
ENV LEGACY_KEY legacy value here
WORKDIR $APP_HOME
USER ${USER_NAME}:${GROUP:-users}
LABEL org.opencontainers.image.title="My App" version=${VERSION:-dev} "quoted key"=v
EXPOSE 80/tcp ${EXTRA_PORT:-8080}
VOLUME ${APP_HOME}/data
STOPSIGNAL ${SIGNAL:-SIGTERM}
COPY --chown=${USER_NAME}:users src/ ${APP_HOME}/
RUN echo $GREETING \$HOME
