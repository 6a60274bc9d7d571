# syntax=docker/dockerfile:1.7
# check=skip=JSONArgsRecommended
ARG REGISTRY=docker.io

# A comment before the first stage
FROM --platform=linux/amd64 ${REGISTRY}/library/debian:12 AS base
MAINTAINER Jane Doe <jane@example.com>
LABEL a=1 b="two words" \
      c=3
EXPOSE 80 443/tcp 53/udp 8000-8010
ENV A=1 B="x y"
ADD --chown=1000:1000 --chmod=644 --link --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/a.tar.gz /opt/
ADD --keep-git-dir=true https://github.com/moby/buildkit.git#v0.10.1 /buildkit
COPY --from=base --chown=app:app --chmod=755 --link --parents --exclude=*.md --exclude=tmp/ a b /dst/
COPY ["with space.txt", "/dst/with space.txt"]
ENTRYPOINT ["/bin/entry", "--flag"]
CMD echo default
VOLUME ["/data", "/logs"]
VOLUME /cache /tmp/x
USER app:app
WORKDIR /srv
ARG X Y=2 Z="three"
ONBUILD RUN echo child
STOPSIGNAL SIGKILL
HEALTHCHECK --retries=2 CMD true
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN --mount=type=cache,target=/root/.cache --mount=type=bind,from=base,source=/etc,target=/mnt --network=none --security=sandbox \
    # a comment inside a continuation is dropped
    apt-get update \

    && apt-get install -y curl
run   echo   lower-case   keyword
