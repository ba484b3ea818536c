# syntax=docker/dockerfile:1
# image_check in a container: the fleet scanner for a Kubernetes Indexed Job
# (deploy/kubernetes/README.md) or a one-off `docker run`:
#
#   docker build -t image_check .
#   docker run --rm --user "$(id -u):$(id -g)" \
#     -v "$PWD/hosts.toml:/config/hosts.toml:ro" -v "$PWD/known_hosts:/config/known_hosts:ro" \
#     -v "$HOME/.ssh/id_ed25519:/secrets/ssh/id_ed25519:ro" -v "$PWD/reports:/results" \
#     image_check scan -i /config/hosts.toml -o /results/%Y-%m-%d_%H%M
#
# The image is for the commands that work over the network or on files: scan, merge, evaluate,
# diff, inventory, checks. `image_check local` checks the machine it runs on, as root: run the
# binary on that host, not in this container (it would check the container).
#
# Build context: .dockerignore lets in only Cargo.toml, Cargo.lock and src/.

ARG RUST_VERSION=1

FROM rust:${RUST_VERSION}-bookworm AS build
WORKDIR /build
# 1. The dependencies alone, under a stub crate with the real manifest and lock file: this
#    layer is rebuilt only when Cargo.toml or Cargo.lock change, not for every source edit.
#    The registry cache mount spares the downloads when the lock file does change.
COPY Cargo.toml Cargo.lock ./
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    mkdir src \
 && echo 'fn main() {}' > src/main.rs \
 && touch src/lib.rs \
 && cargo build --release --locked \
 && rm -rf src
# 2. The crate itself. COPY keeps the files' modification times, which can be older than the
#    stub's build: touch the roots so cargo rebuilds the crate instead of keeping the stub.
COPY src ./src
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    touch src/main.rs src/lib.rs \
 && cargo build --release --locked \
 && mkdir /out \
 && cp target/release/image_check /out/image_check \
 && strip --strip-debug /out/image_check

FROM debian:bookworm-slim AS runtime
# ca-certificates and openssh-client are for people debugging from inside a pod (ssh -v to a
# host that a report calls unreachable); image_check itself links only glibc and libgcc_s.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates openssh-client \
 && rm -rf /var/lib/apt/lists/*
# The scanner needs no privilege on this side: it only opens TCP connections and writes reports.
RUN groupadd --gid 10001 image_check \
 && useradd --uid 10001 --gid 10001 --create-home --home-dir /home/image_check \
      --shell /usr/sbin/nologin image_check
COPY --from=build /out/image_check /usr/local/bin/image_check
LABEL org.opencontainers.image.title="image_check" \
      org.opencontainers.image.description="Fleet image-compliance scanner: Alibaba Cloud's image_check, run over SSH against many hosts"
# Numeric, so Kubernetes can verify runAsNonRoot without a runAsUser of its own.
USER 10001:10001
WORKDIR /home/image_check
ENTRYPOINT ["image_check"]
CMD ["--help"]
