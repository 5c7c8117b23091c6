#!/usr/bin/env bash
# Runs the workflow examples of docs/examples with nektos/act, a real
# implementation of the GitHub Actions runner, against the project's
# ECR/STS emulator: internal/actexamples (see its doc comment) runs each
# example with the container action and with the runner-binary action, twice
# or more, and checks the outputs, and that a re-run writes nothing.
#
# Usage (from anywhere; .ci/run calls it):
#   bash scripts/act-examples.sh               build the action's image (local
#                                              stand-ins for its bases) and run
#   bash scripts/act-examples.sh --image NAME  use an action image built already
#
# What it needs, all from what the machine can reach:
#   Docker   an engine that answers, or else a private dockerd
#            (scripts/docker-engine.sh, shared with scripts/container-test.sh).
#   act      pinned in tools/act/go.mod, run as `go tool -modfile=tools/act/go.mod act`.
#   job image  the containers act runs jobs in (runs-on: ubuntu-latest), made
#            from Debian's packages: debootstrap --variant=minbase with bash,
#            curl, jq and CA certificates, then docker import. The root is
#            kept as a tar in $ECR_RECONCILE_CACHE_DIR (default
#            ~/.cache/ecr-reconcile) and made again only when the package
#            list changes.
# Where no Docker engine can run it prints a NOTICE and exits 0: only this
# stage is skipped. The images it creates have names unique to the run and
# are the only ones it removes.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

image=""
case "${1:-}" in
"") ;;
--image) image="${2:?--image needs an image name}" ;;
*)
	echo "usage: bash scripts/act-examples.sh [--image NAME]" >&2
	exit 2
	;;
esac

stage=act-examples
# shellcheck source=scripts/docker-engine.sh
source scripts/docker-engine.sh

ACT=(go tool -modfile=tools/act/go.mod act)
job_packages="jq,curl,ca-certificates"
suite=bookworm
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if [[ -n "$image" ]] && ! engine_answers; then
	echo "no Docker engine answers, and --image $image needs the engine that has it" >&2
	exit 1
fi
engine_up

say "act: $("${ACT[@]}" --version)"

# job_root_tar prints the path of the job image's root, as a tar, making it
# when the cache has none for this package list.
job_root_tar() {
	local cache key tar root
	cache="${ECR_RECONCILE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ecr-reconcile}"
	key="$(printf '%s %s %s' "$suite" "$job_packages" "$mirror" | sha256sum | cut -c1-16)"
	tar="$cache/act-job-root-$suite-$key.tar"
	if [[ -s "$tar" ]]; then
		say "job image root from the cache: $tar" >&2
		printf '%s' "$tar"
		return
	fi
	if ! command -v debootstrap >/dev/null 2>&1; then
		say "debootstrap is not installed: apt-get install debootstrap" >&2
		apt_install debootstrap >&2 || {
			echo "apt-get could not install debootstrap" >&2
			exit 1
		}
	fi
	root="$(mktemp -d /var/tmp/ecr-reconcile-act-root.XXXXXX)"
	say "debootstrap --variant=minbase --include=$job_packages $suite ($mirror)" >&2
	local start=$SECONDS
	if ! debootstrap --variant=minbase --include="$job_packages" "$suite" "$root" "$mirror" >"$root.log" 2>&1; then
		tail -n 30 "$root.log" >&2
		echo "debootstrap failed (the end of its log is above)" >&2
		exit 1
	fi
	# What no step reads: less for vfs to copy into every job container.
	rm -rf "$root"/usr/share/{doc,man,info,locale} "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/*
	mkdir -p "$cache"
	tar -C "$root" --numeric-owner -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
	rm -rf "$root" "$root.log"
	say "job image root made in $((SECONDS - start)) s, cached as $tar" >&2
	printf '%s' "$tar"
}

job_image="$(unique_name ecr-reconcile-act-job)"
root_tar="$(job_root_tar)"
made_images+=("$job_image")
docker import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "$root_tar" "$job_image" >/dev/null
say "job image: $job_image"

if [[ -z "$image" ]]; then
	image="$(unique_name ecr-reconcile)"
	build_action_image standins "$image"
fi

# act's containers are named after the workflow and job: remove what a
# failed run left behind, and only containers of this run's images.
# shellcheck disable=SC2317 # called through cleanup_hooks
remove_act_containers() {
	local ids
	ids="$(docker ps -aq --filter "ancestor=$job_image" --filter "ancestor=$image" 2>/dev/null || true)"
	if [[ -n "$ids" ]]; then
		# shellcheck disable=SC2086 # one ID a word
		docker rm -f $ids >/dev/null 2>&1 || true
	fi
}
cleanup_hooks+=(remove_act_containers)

say "go test ./internal/actexamples: every example under act, with the container and the runner-binary action"
start=$SECONDS
ECR_RECONCILE_CONTAINER_IMAGE="$image" ECR_RECONCILE_ACT_JOB_IMAGE="$job_image" \
	go test -count=1 -v -timeout 14m -parallel "${ACT_PARALLEL:-4}" ./internal/actexamples/ 2>&1 |
	grep -vE '^=== (RUN|PAUSE|CONT)'
say "examples under act passed in $((SECONDS - start)) s (whole stage $SECONDS s)"
