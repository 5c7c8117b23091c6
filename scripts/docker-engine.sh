# shellcheck shell=bash
# Sourced by scripts/container-test.sh and scripts/act-examples.sh: the Docker
# engine they run on and the action's image they build, in one place.
#
# The caller sets `stage` (its name in the log and in a NOTICE) and then:
#   engine_up            use the engine that answers (docker info), or else
#                        install Debian's docker.io when dockerd is missing and
#                        start a private dockerd (vfs storage, no iptables, no
#                        bridge: what works in an unprivileged-network
#                        sandbox) on its own socket and data directory. Where
#                        no engine can run (not root, no apt-get, the daemon
#                        does not start) it prints a NOTICE and exits 0: only
#                        the caller's stage is skipped.
#   build_action_image MODE NAME
#                        docker build of the Dockerfile as NAME; MODE standins
#                        builds FROM local stand-ins for the two base images
#                        (for machines that reach no image registry), MODE real
#                        from the Dockerfile's own pinned base images.
#   unique_name BASE     BASE:<stage>-<random>: the images a run creates have
#                        names no other run or user has, and only those are
#                        removed at the end.
# The EXIT trap removes the images the run created (made_images), stops the
# dockerd it started and removes that engine's data.
#
# Stand-ins: the Dockerfile takes its two base images from the BUILD_BASE and
# RUNTIME_BASE build arguments, and make_standins makes both from what the
# machine has:
#   builder  the local Go toolchain (GOROOT), the module cache for go.sum, a
#            POSIX shell; GOPROXY=off and GOTOOLCHAIN=local as in golang images.
#   runtime  an empty root with the machine's CA certificates, /etc/passwd and
#            /tmp: what the code uses of distroless/static, root by default.
# The builder stage then really runs `go mod download` and scripts/build.sh.

: "${stage:?set stage before sourcing scripts/docker-engine.sh}"

say() { printf '[%s %3ds] %s\n' "$stage" "$SECONDS" "$*"; }
skip() {
	printf '\nNOTICE: %s\nNOTICE: skipping the %s; every other stage still runs.\n\n' "$*" "$stage"
	exit 0
}

state=""
dockerd_pid=""
made_images=()
# Whatever else the caller wants done at exit, before the engine stops.
cleanup_hooks=()

run_id="$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')"
unique_name() { printf '%s:%s-%s' "$1" "$stage" "$run_id"; }

# shellcheck disable=SC2317 # called through the EXIT trap
cleanup() {
	local status=$? hook
	for hook in "${cleanup_hooks[@]}"; do
		"$hook" || true
	done
	if [[ ${#made_images[@]} -gt 0 && -z "$dockerd_pid" ]]; then
		# Only what this run created, by the names unique to it.
		docker image rm --force "${made_images[@]}" >/dev/null 2>&1 || true
		say "removed the images this run created: ${made_images[*]}"
	fi
	if [[ -n "$dockerd_pid" ]]; then
		say "stopping the dockerd this script started (pid $dockerd_pid)"
		kill "$dockerd_pid" 2>/dev/null || true
		for _ in $(seq 1 60); do
			kill -0 "$dockerd_pid" 2>/dev/null || break
			sleep 0.5
		done
		if kill -0 "$dockerd_pid" 2>/dev/null; then
			echo "dockerd did not stop within 30 s; killing it" >&2
			kill -9 "$dockerd_pid" 2>/dev/null || true
		fi
		say "dockerd stopped"
	fi
	if [[ -n "$state" ]]; then
		# dockerd leaves its default network namespace mounted under the
		# exec root; unmount what is left under $state before removing it.
		awk -v d="$state/" 'index($2, d) == 1 { print $2 }' /proc/mounts 2>/dev/null | sort -r |
			while read -r m; do umount -l "$m" 2>/dev/null || true; done
		rm -rf "$state" 2>/dev/null || true
		if [[ -e "$state" ]]; then
			echo "could not remove all of $state" >&2
		else
			say "removed the engine's data"
		fi
	fi
	exit "$status"
}
trap cleanup EXIT

engine_answers() { docker info >/dev/null 2>&1; }

# apt_install PACKAGE...: install Debian packages, updating the lists only
# when the first try fails.
apt_install() {
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1 && return 0
	apt-get update -q >/dev/null 2>&1 || true
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
}

engine_up() {
	if engine_answers; then
		say "engine: $(docker version --format 'server {{.Server.Version}}, client {{.Client.Version}}' 2>/dev/null || echo unknown)"
		return
	fi
	if [[ "$(id -u)" -ne 0 ]]; then
		skip "no Docker engine answers (docker info), and only root can start one here."
	fi
	if ! command -v dockerd >/dev/null 2>&1; then
		if ! command -v apt-get >/dev/null 2>&1; then
			skip "no Docker engine answers, dockerd is not installed and there is no apt-get to install docker.io."
		fi
		say "dockerd is not installed: apt-get install docker.io"
		apt_install docker.io || skip "apt-get could not install docker.io."
	fi
	state="$(mktemp -d /var/tmp/ecr-reconcile-dockerd.XXXXXX)"
	local sock="$state/docker.sock"
	say "starting a private dockerd ($(dockerd --version 2>/dev/null || echo dockerd)) on unix://$sock"
	dockerd --storage-driver=vfs --iptables=false --bridge=none \
		--data-root "$state/data" --exec-root "$state/exec" --pidfile "$state/dockerd.pid" \
		--host "unix://$sock" >"$state/dockerd.log" 2>&1 &
	dockerd_pid=$!
	export DOCKER_HOST="unix://$sock"
	for _ in $(seq 1 120); do
		if engine_answers; then
			say "dockerd is up"
			return
		fi
		if ! kill -0 "$dockerd_pid" 2>/dev/null; then
			tail -n 20 "$state/dockerd.log" >&2 || true
			dockerd_pid=""
			skip "dockerd exited before it answered (its log is above): this machine cannot run a Docker engine."
		fi
		sleep 0.5
	done
	tail -n 20 "$state/dockerd.log" >&2 || true
	skip "dockerd did not answer within 60 s (its log is above)."
}

# pick_builder sets build to a docker client command that builds with
# BuildKit: the Dockerfile's platform arguments (BUILDPLATFORM, TARGETOS,
# TARGETARCH) exist only there. A client with the buildx plugin has it;
# so has Debian's docker.io client with DOCKER_BUILDKIT=1.
build=()
pick_builder() {
	local probe c id
	probe="$(mktemp -d)"
	# shellcheck disable=SC2016 # $TARGETARCH is for the Dockerfile, not bash
	printf 'FROM scratch\nARG TARGETARCH\nLABEL probe=$TARGETARCH\n' >"$probe/Dockerfile"
	for c in docker /usr/bin/docker; do
		command -v "$c" >/dev/null 2>&1 || continue
		if id="$(DOCKER_BUILDKIT=1 "$c" build -q "$probe" 2>/dev/null)" &&
			[[ -n "$(docker image inspect --format '{{index .Config.Labels "probe"}}' "$id" 2>/dev/null)" ]]; then
			docker image rm "$id" >/dev/null 2>&1 || true
			build=(env DOCKER_BUILDKIT=1 "$c" build)
			break
		fi
	done
	rm -rf "$probe"
	if [[ ${#build[@]} -eq 0 ]]; then
		echo "no docker client here builds with BuildKit (install the buildx plugin)" >&2
		exit 1
	fi
	say "building with: ${build[*]}"
}

# copy_with_libs copies programs and the shared libraries they load into
# the stand-in root, at the same paths.
copy_with_libs() {
	local root="$1" bin lib
	shift
	for bin in "$@"; do
		cp -L --parents "$bin" "$root/"
		while read -r lib; do
			cp -L --parents "$lib" "$root/"
		done < <(ldd "$bin" 2>/dev/null | grep -o '/[^ )]*' || true)
	done
}

# make_standins BUILD_BASE RUNTIME_BASE builds the two base-image stand-ins
# into the engine under those names.
make_standins() {
	local build_base="$1" runtime_base="$2" work goroot gomodcache
	work="$(mktemp -d)"
	goroot="$(go env GOROOT)"
	gomodcache="$(go env GOMODCACHE)"

	say "stand-in runtime base: CA certificates, /etc/passwd, /tmp"
	mkdir -p "$work/runtime/etc/ssl/certs" "$work/runtime/tmp"
	cp -L /etc/ssl/certs/ca-certificates.crt "$work/runtime/etc/ssl/certs/"
	printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$work/runtime/etc/passwd"
	printf 'root:x:0:\nnonroot:x:65532:\n' >"$work/runtime/etc/group"
	chmod 1777 "$work/runtime/tmp"
	tar -C "$work/runtime" --numeric-owner --owner=0 --group=0 -cf - . |
		docker import \
			-c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
			-c 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
			- "$runtime_base" >/dev/null
	made_images+=("$runtime_base")

	say "stand-in builder base: $(go version | cut -d' ' -f3-) from $goroot, modules of go.sum, /bin/sh"
	local b="$work/builder"
	mkdir -p "$b/tmp" "$b/root" "$b/etc" "$b/go/pkg/mod" "$b/usr/local"
	chmod 1777 "$b/tmp"
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$b/etc/passwd"
	# Hard links when GOROOT is on the same file system: no copy of 250 MB.
	cp -al "$goroot" "$b/usr/local/go" 2>/dev/null || cp -a "$goroot" "$b/usr/local/go"
	# What a build does not read; less to copy for every layer (vfs copies).
	rm -rf "$b/usr/local/go/test" "$b/usr/local/go/api" "$b/usr/local/go/doc"
	find "$b/usr/local/go/src" -name testdata -type d -prune -exec rm -rf {} +
	find "$b/usr/local/go/src" -name '*_test.go' -delete
	# The build's modules, taken from the local module cache (go.sum still
	# verifies every one of them).
	GOMODCACHE="$b/go/pkg/mod" GOPROXY="file://$gomodcache/cache/download" GOSUMDB=off GOFLAGS=-mod=mod \
		go mod download
	local shell
	shell="$(command -v dash || command -v sh)"
	copy_with_libs "$b" "$shell" "$(command -v dirname)"
	if [[ ! -e "$b/bin/sh" ]]; then
		mkdir -p "$b/bin"
		ln -s "$shell" "$b/bin/sh"
	fi
	tar -C "$b" --numeric-owner --owner=0 --group=0 -cf - . |
		docker import \
			-c 'ENV PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
			-c 'ENV GOPATH=/go' -c 'ENV HOME=/root' -c 'ENV GOTOOLCHAIN=local' -c 'ENV GOPROXY=off' \
			- "$build_base" >/dev/null
	made_images+=("$build_base")
	# The module cache is read-only, as go leaves it.
	GOMODCACHE="$b/go/pkg/mod" go clean -modcache
	rm -rf "$work"
}

# build_action_image MODE IMAGE: docker build of the Dockerfile as IMAGE,
# with the local stand-ins (MODE standins) or the pinned bases (MODE real).
build_action_image() {
	local mode="$1" image="$2" start build_log
	local build_args=(--build-arg "VERSION=$stage")
	pick_builder
	if [[ "$mode" == standins ]]; then
		local build_base runtime_base
		build_base="$(unique_name ecr-reconcile-standin/builder)"
		runtime_base="$(unique_name ecr-reconcile-standin/runtime)"
		make_standins "$build_base" "$runtime_base"
		build_args+=(--build-arg "BUILD_BASE=$build_base" --build-arg "RUNTIME_BASE=$runtime_base")
		# No network: the stand-in builder has every module, and the
		# build must not need anything else.
		build_args+=(--network none)
	fi
	say "docker build of the Dockerfile (${mode}) as $image"
	start=$SECONDS
	build_log="$(mktemp)"
	made_images+=("$image")
	if ! "${build[@]}" --progress=plain "${build_args[@]}" -t "$image" . >"$build_log" 2>&1; then
		tail -n 60 "$build_log" >&2
		rm -f "$build_log"
		echo "docker build failed (the end of its log is above)" >&2
		exit 1
	fi
	# Each Dockerfile step and how long it took.
	awk '$2 ~ /^\[/ { step[$1] = substr($0, length($1) + 2) }
		($2 == "DONE" || $2 == "CACHED") && ($1 in step) { printf "  %-8s %s\n", $2 == "DONE" ? $3 : "cached", step[$1]; delete step[$1] }' "$build_log"
	rm -f "$build_log"
	say "image built in $((SECONDS - start)) s"
}
