# trtc-mock in a minimal image: one static binary, the fixtures, nothing else.
#
#   docker build -t trtc-mock .
#   docker run --rm -p 8080:8080 trtc-mock
#
# The final stage copies the binary from the stage named by BIN_SOURCE. By default that is the
# `build` stage below; where no base image can be pulled, build the static binary first and name
# a local image holding it at /out/trtc-mock (see scripts/container-test):
#
#   docker build --build-arg BIN_SOURCE=localhost/trtc-mock-bin -t trtc-mock .
ARG BIN_SOURCE=build

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
# glibc static-pie: the binary runs on an empty filesystem.
RUN RUSTFLAGS='-C target-feature=+crt-static' \
        cargo build --release --locked --target "$(uname -m)-unknown-linux-gnu" \
 && mkdir -p /out \
 && cp "target/$(uname -m)-unknown-linux-gnu/release/trtc-mock" /out/trtc-mock

FROM ${BIN_SOURCE} AS bin

FROM scratch
COPY --from=bin /out/trtc-mock /trtc-mock
COPY fixtures /fixtures
# Inside the container the emulator listens on every interface; publish it with -p 8080:8080.
ENV TRTC_MOCK_ADDR=0.0.0.0:8080
EXPOSE 8080
USER 65534:65534
HEALTHCHECK --interval=5s --timeout=3s --start-period=1s --retries=3 CMD ["/trtc-mock", "healthcheck"]
ENTRYPOINT ["/trtc-mock"]
