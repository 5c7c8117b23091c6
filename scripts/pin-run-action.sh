#!/usr/bin/env bash
# Pins a release into the runner-binary action (run/action.yml), as the
# release workflow pins the image digest into action.yml: the version, the
# download URL of the release's assets and the SHA-256 of each binary, read
# from the release's checksums file (sha256sum format). Only those eight
# lines change; the script checks that, and that every value is set.
#
# Usage: bash scripts/pin-run-action.sh VERSION DOWNLOAD_URL CHECKSUMS_FILE [ACTION_FILE]
#   e.g. bash scripts/pin-run-action.sh v1.2.3 \
#          https://github.com/OWNER/REPO/releases/download/v1.2.3 \
#          dist/ecr-reconcile_v1.2.3_checksums.txt
set -euo pipefail

if [[ $# -lt 3 || $# -gt 4 ]]; then
	echo "usage: bash scripts/pin-run-action.sh VERSION DOWNLOAD_URL CHECKSUMS_FILE [ACTION_FILE]" >&2
	exit 2
fi
version="$1" url="$2" sums="$3"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
action="${4:-$root/run/action.yml}"

if ! [[ "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
	echo "pin-run-action: '$version' is not vMAJOR.MINOR.PATCH[-PRERELEASE]" >&2
	exit 1
fi
# https, or a local server (the tests).
case "$url" in
https://* | http://127.0.0.1:* | http://localhost:*) ;;
*)
	echo "pin-run-action: the download URL must be https (got '$url')" >&2
	exit 1
	;;
esac
case "$url" in
*[\"\\#]*)
	echo "pin-run-action: the download URL must not contain quotes, backslashes or #" >&2
	exit 1
	;;
esac

orig="$(mktemp)"
trap 'rm -f "$orig"' EXIT
cp "$action" "$orig"

# set_pin NAME VALUE: the line `        NAME: ""` becomes `        NAME: "VALUE"`.
set_pin() {
	local name="$1" value="$2"
	if [[ "$(grep -cE "^[[:space:]]+${name}: \"\"$" "$action")" != 1 ]]; then
		echo "pin-run-action: $action has no single unpinned '${name}: \"\"' line (pinned already?)" >&2
		exit 1
	fi
	sed -E -i.bak "s#^([[:space:]]+${name}: )\"\"\$#\\1\"${value}\"#" "$action"
	rm -f "$action.bak"
}

set_pin ECR_RECONCILE_VERSION "$version"
set_pin ECR_RECONCILE_DOWNLOAD_URL "${url%/}"
pins=0
while read -r _ _ _ _ asset pin; do
	sum="$(awk -v a="$asset" '$2 == a || $2 == "*" a { print $1 }' "$sums")"
	if [[ ! "$sum" =~ ^[0-9a-f]{64}$ ]]; then
		echo "pin-run-action: $sums has no SHA-256 for $asset" >&2
		exit 1
	fi
	set_pin "$pin" "$sum"
	pins=$((pins + 1))
done < <(bash "$root/run/fetch.sh" --targets "$version")

changed="$(diff "$orig" "$action" | grep -c '^>' || true)"
if [[ "$changed" != $((pins + 2)) ]]; then
	diff "$orig" "$action" >&2 || true
	echo "pin-run-action: $changed lines changed, expected $((pins + 2))" >&2
	exit 1
fi
diff "$orig" "$action" || true
echo "pinned $version ($pins binaries) into $action"
