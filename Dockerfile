# The calliyo server, for production-like runs with docker compose.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release -p api

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* && useradd --system --home /var/lib/calliyo calliyo
COPY --from=build /src/target/release/calliyo /usr/local/bin/calliyo
USER calliyo
WORKDIR /var/lib/calliyo
EXPOSE 8080
ENTRYPOINT ["calliyo"]
CMD ["serve"]
