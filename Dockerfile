# syntax=docker/dockerfile:1
# Build: a static binary (no cgo; the embedded store is pure Go).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/majlis ./cmd/majlis
# An empty data folder that the non-root user owns (the run image has no shell to chown).
RUN mkdir -p /out/data

# Run: no shell, no package manager, non-root, data on a volume.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/majlis /usr/local/bin/majlis
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV MAJLIS_DATA=/data MAJLIS_LISTEN=:8080
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK NONE
ENTRYPOINT ["/usr/local/bin/majlis"]
CMD ["serve"]
