ARG GO_VERSION=1.22
FROM golang:${GO_VERSION} AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app ./cmd/app

FROM alpine:3.19 AS tools
RUN apk add --no-cache curl

FROM build AS test
RUN go test ./...

FROM scratch AS final
COPY --from=build /out/app /app
COPY --from=0 /src/LICENSE /LICENSE
ENTRYPOINT ["/app"]

FROM final AS debug
COPY --from=tools /usr/bin/curl /usr/bin/curl
