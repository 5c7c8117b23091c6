#!/bin/sh
# The one build recipe of the ecr-reconcile binary. The Dockerfile, the
# release workflow (the image and the six release binaries), .ci/run,
# `make build` and the Go test harness (internal/support/ghrunner) all run this file,
# so every binary users or tests run is built the same way.
#
# Usage (from anywhere; every parameter is optional):
#   GOOS=linux GOARCH=arm64 VERSION=v1.2.3 OUT=dist/ecr-reconcile sh scripts/build.sh
#
#   GOOS, GOARCH  target platform; default: the go command's own
#   VERSION       stamped into the binary (ecr-reconcile --version); default dev
#   OUT           where to write the binary; default bin/ecr-reconcile
#                 (a relative path is taken from the directory you run it in)
#
# Why these flags:
#   CGO_ENABLED=0   a static binary: it runs on scratch/distroless images and on
#                   any Linux distribution, macOS or Windows without a C library.
#   -trimpath       no build-machine paths in the binary, so the same source
#                   gives the same bytes wherever it is built (image, release).
#   -buildvcs=false the image's build context has no .git; leaving VCS stamps
#                   out everywhere keeps the image's and the release's binaries
#                   alike. The version comes from VERSION instead.
#   -s -w           no symbol table or DWARF: a smaller image and download.
set -eu

VERSION="${VERSION:-dev}"
OUT="${OUT:-bin/ecr-reconcile}"
case "$OUT" in
/* | [A-Za-z]:[/\\]*) ;;
*) OUT="$(pwd)/$OUT" ;;
esac

cd "$(dirname "$0")/.."

CGO_ENABLED=0
export CGO_ENABLED
if [ -n "${GOOS:-}" ]; then export GOOS; fi
if [ -n "${GOARCH:-}" ]; then export GOARCH; fi

exec go build -trimpath -buildvcs=false -ldflags "-s -w -X main.version=${VERSION}" -o "$OUT" .
