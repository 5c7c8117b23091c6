# Container image of the ecr-reconcile GitHub Action.
#
# action.yml on main says `image: Dockerfile`, so the runner builds this file
# for `uses: ./` and for branch references; a release rewrites action.yml to a
# digest-pinned image built from this same file (see RELEASING.md).
#
# Both base images are pinned by the digest of their multi-arch index; the tag
# is kept in front of the digest so Dependabot (.github/dependabot.yml, docker
# ecosystem) can propose new digests. Dependabot reads only literal FROM lines,
# so the two base images are named in stages of their own (go-toolchain,
# runtime-base) and the real stages start FROM the build arguments below,
# which default to those stages. A plain `docker build .` therefore uses the
# pinned images; scripts/container-test.sh, on machines that cannot pull, passes
# local stand-ins instead and changes nothing else.
ARG BUILD_BASE=go-toolchain
ARG RUNTIME_BASE=runtime-base

# Builder: golang:1.26-bookworm (Go 1.26.8 when pinned). It runs on the
# build host's platform and cross-compiles, so a multi-arch build needs no
# emulation. The official golang images set GOTOOLCHAIN=local: if go.mod's go
# line moves past this image's Go version, bump the digest in the same change.
FROM --platform=$BUILDPLATFORM golang:1.26-bookworm@sha256:dc9ad6c05acc7a88e5b71bde60a5fe3bd4b9f0db209011711b464107438a8107 AS go-toolchain

# Runtime: gcr.io/distroless/static-debian12 (the default, root variant). It
# has CA certificates and tzdata, and no shell or package manager.
FROM gcr.io/distroless/static-debian12:latest@sha256:d75cdd72874d4790092fcb1b058493ecf6bb5bf2b2b897045b00ff01d91843f2 AS runtime-base

FROM ${BUILD_BASE} AS build

WORKDIR /src

# Module downloads in their own layer: it is reused until go.mod/go.sum change.
COPY go.mod go.sum ./
RUN go mod download

# Only what the build needs reaches the context (see .dockerignore).
COPY . .

# The one build recipe (scripts/build.sh): the release binaries, .ci/run and
# the tests build with it too.
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev
RUN GOOS="$TARGETOS" GOARCH="$TARGETARCH" VERSION="$VERSION" OUT=/ecr-reconcile sh scripts/build.sh

# No USER line on purpose: the runner mounts the file-command files
# (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, ...) owned by the runner's user, and
# only root in the container can write them.
# No WORKDIR on purpose: the runner sets --workdir /github/workspace.
# internal/containertest runs the image as the runner does and checks both.
FROM ${RUNTIME_BASE}

ARG VERSION=dev
LABEL org.opencontainers.image.title="ecr-reconcile" \
      org.opencontainers.image.description="GitHub Action that makes sure an Amazon ECR repository exists with the declared settings and outputs its URI" \
      org.opencontainers.image.source="https://github.com/ecr-reconcile/ecr-reconcile" \
      org.opencontainers.image.licenses="NOASSERTION" \
      org.opencontainers.image.version="${VERSION}"

COPY --from=build /ecr-reconcile /ecr-reconcile

ENTRYPOINT ["/ecr-reconcile"]
