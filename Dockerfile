# chapwasm server image: build stage compiles the host and its bundled model components,
# runtime stage is a slim Debian with the one binary, run as a non-root user.
#   docker build -t chapwasm .
#   docker run -p 8000:8000 chapwasm serve --host 0.0.0.0 --database-url postgres://...
FROM rust:1.95-bookworm AS build
RUN rustup target add wasm32-wasip2
WORKDIR /src
COPY . .
RUN cargo build --release --bin chapwasm && cp target/release/chapwasm /usr/local/bin/chapwasm

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/chapwasm --create-home chapwasm
COPY --from=build /usr/local/bin/chapwasm /usr/local/bin/chapwasm
USER chapwasm
WORKDIR /var/lib/chapwasm
EXPOSE 8000
# SIGTERM drains: running jobs get --shutdown-grace-secs to finish, the rest go back to
# the queue for another replica. Give the container at least that long to stop.
STOPSIGNAL SIGTERM
ENTRYPOINT ["chapwasm"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
