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
#   job image  the containers act runs jobs in (runs-on: ubuntu-latest): bash,
#            coreutils, curl, jq and CA certificates copied from this Debian
#            machine (curl and jq installed with apt-get when missing), then
#            docker import (see make_job_root).
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

if [[ -n "$image" ]] && ! engine_answers; then
	echo "no Docker engine answers, and --image $image needs the engine that has it" >&2
	exit 1
fi
engine_up

say "act: $("${ACT[@]}" --version)"

# make_job_root DIR: the root of the job image act runs jobs in (runs-on:
# ubuntu-latest): the programs the examples' steps, the stand-in steps and
# the runner-binary action (run/fetch.sh) run, copied from this Debian
# machine with the shared libraries they load (as the stand-in bases of the
# action's image are), CA certificates, /etc/passwd and /tmp. Small, so that
# creating each job container (a full copy with vfs) is quick, and made
# without any network.
job_programs=(bash dash tail base64 sha256sum tr cut dirname basename mkdir mktemp mv cp chmod rm cat
	grep sed head wc sort env ls sleep date id uname curl jq)
make_job_root() {
	local root="$1" p paths=()
	for p in curl jq; do
		if ! command -v "$p" >/dev/null 2>&1; then
			say "$p is not installed: apt-get install $p"
			apt_install "$p" || {
				echo "apt-get could not install $p" >&2
				exit 1
			}
		fi
	done
	for p in "${job_programs[@]}"; do
		paths+=("$(command -v "$p")")
	done
	copy_with_libs "$root" "${paths[@]}"
	# /bin/sh and /bin/bash as on Debian (merged /usr).
	[[ -e "$root/usr/bin/sh" ]] || ln -s dash "$root/usr/bin/sh"
	[[ -e "$root/bin" ]] || ln -s usr/bin "$root/bin"
	mkdir -p "$root/etc/ssl/certs" "$root/tmp" "$root/root" "$root/opt"
	chmod 1777 "$root/tmp"
	cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
	printf 'root:x:0:0:root:/root:/bin/bash\n' >"$root/etc/passwd"
	printf 'root:x:0:\n' >"$root/etc/group"
}

job_image="$(unique_name ecr-reconcile-act-job)"
job_root="$(mktemp -d)"
make_job_root "$job_root"
made_images+=("$job_image")
tar -C "$job_root" --numeric-owner --owner=0 --group=0 -cf - . |
	docker import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		-c 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' - "$job_image" >/dev/null
say "job image: $job_image ($(du -sh "$job_root" | cut -f1), ${#job_programs[@]} programs from this machine)"
rm -rf "$job_root"

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
