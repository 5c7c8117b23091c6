#!/usr/bin/env bash
# The container test: builds the action's image from this repository's
# Dockerfile and build context (the real .dockerignore), then runs
# internal/containertest, which starts the image the way the GitHub runner
# starts a Docker container action and checks what it did (see that
# package's doc comment).
#
# Usage (from anywhere; .ci/run and the GitHub CI workflow call it):
#   bash scripts/container-test.sh               build with local stand-ins for
#                                                the base images, then test
#   bash scripts/container-test.sh --real-bases  build with the Dockerfile's own
#                                                (pinned) base images, then test
#   bash scripts/container-test.sh --image NAME  test an image built already
#
# The Docker engine, the stand-ins for the base images and the build are in
# scripts/docker-engine.sh (shared with scripts/act-examples.sh): an engine
# that answers is used, else a private dockerd is started and stopped at the
# end; where none can run, a NOTICE says so and only this stage is skipped.
# The images the script builds have names unique to the run, and only those
# are removed at the end.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

mode=standins
image=""
case "${1:-}" in
"") ;;
--real-bases) mode=real ;;
--image)
	mode=given
	image="${2:?--image needs an image name}"
	;;
*)
	echo "usage: bash scripts/container-test.sh [--real-bases | --image NAME]" >&2
	exit 2
	;;
esac

stage=container-test
# shellcheck source=scripts/docker-engine.sh
source scripts/docker-engine.sh

if [[ "$mode" == given ]] && ! engine_answers; then
	echo "no Docker engine answers, and --image $image needs the engine that has it" >&2
	exit 1
fi
engine_up

if [[ "$mode" != given ]]; then
	image="$(unique_name ecr-reconcile)"
	build_action_image "$mode" "$image"
fi

say "go test ./internal/containertest against $image"
start=$SECONDS
ECR_RECONCILE_CONTAINER_IMAGE="$image" go test -count=1 -v ./internal/containertest/
say "container test passed in $((SECONDS - start)) s (whole stage $SECONDS s)"
