#!/usr/bin/env bash
# Fetch step of the runner-binary action (run/action.yml): puts the
# ecr-reconcile binary for this runner in the tool cache and writes its path
# as the step output "path".
#
# It runs on Linux, macOS (bash 3.2) and Windows (Git Bash), so it uses only
# bash 3.2 features, curl, and sha256sum or shasum.
#
# Environment (the runner sets the first ones; the release pins the others
# into run/action.yml):
#   RUNNER_OS, RUNNER_ARCH    Linux/macOS/Windows, X64/ARM64
#   RUNNER_TOOL_CACHE         tool cache root (the binary is kept there)
#   RUNNER_TEMP               scratch directory for the download
#   GITHUB_OUTPUT             step outputs file
#   ECR_RECONCILE_VERSION     release tag, e.g. v1.2.3; empty = unreleased ref
#   ECR_RECONCILE_DOWNLOAD_URL  where the release's assets are
#   ECR_RECONCILE_SHA256_<OS>_<ARCH>  SHA-256 of each release binary
#
# The binary is used only if its SHA-256 equals the pinned one: after the
# download and again when it is found in the tool cache (a cache that
# self-hosted runners share between jobs could have been changed).
set -euo pipefail

fail() {
	# One line per annotation: the runner shows it on the step and the run.
	echo "::error title=ecr-reconcile (run action)::$*"
	exit 1
}

# Backslashes to slashes: Windows paths then work for Git Bash and for the
# runner alike.
# shellcheck disable=SC1003 # '\\' is tr's backslash
slashes() { printf '%s' "$1" | tr '\\' '/'; }

# The release targets, one home for them: the release workflow builds one
# binary per line and scripts/pin-run-action.sh pins one checksum per line,
# both from `bash run/fetch.sh --targets vX.Y.Z`.
#   RUNNER_OS RUNNER_ARCH GOOS GOARCH
targets="Linux X64 linux amd64
Linux ARM64 linux arm64
macOS X64 darwin amd64
macOS ARM64 darwin arm64
Windows X64 windows amd64
Windows ARM64 windows arm64"

# asset_name VERSION GOOS GOARCH: the release asset of a binary.
asset_name() {
	local ext=""
	[ "$2" = windows ] && ext=".exe"
	printf 'ecr-reconcile_%s_%s_%s%s' "$1" "$2" "$3" "$ext"
}

# pin_name RUNNER_OS RUNNER_ARCH: the variable that pins its checksum.
pin_name() {
	printf 'ECR_RECONCILE_SHA256_%s_%s' "$(printf '%s' "$1" | tr '[:lower:]' '[:upper:]')" "$2"
}

if [ "${1:-}" = "--targets" ]; then
	[ -n "${2:-}" ] || {
		echo "usage: bash run/fetch.sh --targets vX.Y.Z" >&2
		exit 2
	}
	# RUNNER_OS RUNNER_ARCH GOOS GOARCH ASSET PIN_VARIABLE
	printf '%s\n' "$targets" | while read -r ros rarch goos goarch; do
		printf '%s %s %s %s %s %s\n' "$ros" "$rarch" "$goos" "$goarch" "$(asset_name "$2" "$goos" "$goarch")" "$(pin_name "$ros" "$rarch")"
	done
	exit 0
fi

: "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set: this script runs as a step of run/action.yml}"
os_name="${RUNNER_OS:-}"
arch_name="${RUNNER_ARCH:-}"

goos="" goarch=""
while read -r ros rarch tos tarch; do
	if [ "$ros" = "$os_name" ] && [ "$rarch" = "$arch_name" ]; then
		goos="$tos" goarch="$tarch"
	fi
done <<EOF_TARGETS
$targets
EOF_TARGETS
if [ -z "$goos" ]; then
	fail "no ecr-reconcile release binary for a ${os_name:-unknown} ${arch_name:-unknown} runner: release binaries exist for Linux, macOS and Windows on X64 and ARM64; on a Linux runner with Docker, the container action (uses: ecr-reconcile/ecr-reconcile@v1) runs too"
fi
ext=""
[ "$goos" = windows ] && ext=".exe"
cache_arch="$(printf '%s' "$arch_name" | tr '[:upper:]' '[:lower:]')"

version="${ECR_RECONCILE_VERSION:-}"
temp="$(slashes "${RUNNER_TEMP:-${TMPDIR:-/tmp}}")"

# An unreleased ref has nothing pinned: build from this checkout, by the same
# recipe as the release (scripts/build.sh), when Go is there.
if [ -z "$version" ]; then
	source_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
	if ! command -v go >/dev/null 2>&1; then
		fail "this ref of the run action is not a release, so no binary is pinned for it: use a release tag (uses: ecr-reconcile/ecr-reconcile/run@v1), or install Go first (actions/setup-go) to build it from source"
	fi
	out="${temp}/ecr-reconcile-source/ecr-reconcile${ext}"
	echo "Unreleased ref: building ecr-reconcile from ${source_root} with scripts/build.sh ($(go version))"
	VERSION="dev" OUT="$out" GOOS="" GOARCH="" sh "${source_root}/scripts/build.sh"
	echo "path=${out}" >>"$GITHUB_OUTPUT"
	exit 0
fi

case "$version" in
v[0-9]*) ;;
*) fail "ECR_RECONCILE_VERSION '${version}' is not a release tag (vX.Y.Z)" ;;
esac
pin_var="$(pin_name "$os_name" "$arch_name")"
want="$(printf '%s' "${!pin_var:-}" | tr '[:upper:]' '[:lower:]')"
case "$want" in
"" | *[!0-9a-f]*) fail "run/action.yml of ${version} pins no valid SHA-256 for ${os_name} ${arch_name} (${pin_var}='${want}'); the release did not pin it" ;;
esac
[ "${#want}" -eq 64 ] || fail "${pin_var} is '${want}', not a 64-digit SHA-256"
base="${ECR_RECONCILE_DOWNLOAD_URL:-}"
[ -n "$base" ] || fail "run/action.yml of ${version} pins no download URL (ECR_RECONCILE_DOWNLOAD_URL)"

if command -v sha256sum >/dev/null 2>&1; then
	sha256() { sha256sum "$1" | cut -d' ' -f1; }
elif command -v shasum >/dev/null 2>&1; then
	sha256() { shasum -a 256 "$1" | cut -d' ' -f1; }
else
	fail "neither sha256sum nor shasum is installed: the binary cannot be verified"
fi

asset="$(asset_name "$version" "$goos" "$goarch")"
tool_cache="$(slashes "${RUNNER_TOOL_CACHE:-${temp}/tool-cache}")"
# The layout of @actions/tool-cache: <tool>/<version>/<arch>, marked
# complete by <arch>.complete next to it.
cache_dir="${tool_cache}/ecr-reconcile/${version#v}/${cache_arch}"
bin="${cache_dir}/ecr-reconcile${ext}"

if [ -f "${cache_dir}.complete" ] && [ -f "$bin" ]; then
	got="$(sha256 "$bin")"
	if [ "$got" = "$want" ]; then
		echo "ecr-reconcile ${version} (${goos}/${goarch}) from the tool cache: ${bin} (sha256 ${got}, as pinned)"
		echo "path=${bin}" >>"$GITHUB_OUTPUT"
		exit 0
	fi
	echo "::warning title=ecr-reconcile (run action)::the cached ${bin} has sha256 ${got}, not the pinned ${want}; downloading it again"
	rm -f "${cache_dir}.complete" "$bin"
fi

url="${base%/}/${asset}"
download="$(mktemp "${temp}/ecr-reconcile-download.XXXXXX")"
trap 'rm -f "$download"' EXIT
echo "Downloading ${url}"
status="$(curl --silent --show-error --location --retry 3 --retry-delay 2 --connect-timeout 20 \
	--output "$download" --write-out '%{http_code}' "$url")" || fail "could not download ${url} (curl exit $?)"
case "$status" in
200) ;;
404) fail "release ${version} has no asset ${asset} (HTTP 404 from ${url}): if the release was published moments ago, re-run the job; otherwise check that the release of ${version} lists ${asset}" ;;
*) fail "downloading ${url} answered HTTP ${status}" ;;
esac

got="$(sha256 "$download")"
if [ "$got" != "$want" ]; then
	fail "checksum mismatch for ${asset}: its SHA-256 is ${got}, but run/action.yml of ${version} pins ${want}; the download was refused and nothing was cached"
fi

mkdir -p "$cache_dir"
mv -f "$download" "$bin"
chmod 0755 "$bin"
: >"${cache_dir}.complete"
echo "ecr-reconcile ${version} (${goos}/${goarch}) verified (sha256 ${got}, as pinned) and cached: ${bin}"
echo "path=${bin}" >>"$GITHUB_OUTPUT"
