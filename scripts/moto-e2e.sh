#!/usr/bin/env bash
# Runs the end-to-end scenarios (internal/e2e, TestScenarios) against a local
# moto server instead of the project's ECR emulator. Skips, successfully, when
# moto is not installed. Where moto and ECR differ, see docs/moto-differences.md.
#
# Usage: bash scripts/moto-e2e.sh   (from anywhere; .ci/run calls it)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! python3 -c 'import moto' >/dev/null 2>&1; then
	echo "NOTICE: moto is not installed: skipping the moto end-to-end check (pip install 'moto[server]' to run it)"
	exit 0
fi

# A free loopback port, chosen by the kernel.
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
endpoint="http://127.0.0.1:${port}"
log="$(mktemp)"
moto_pid=""

# shellcheck disable=SC2317 # called through the EXIT trap
cleanup() {
	if [[ -n "$moto_pid" ]] && kill -0 "$moto_pid" 2>/dev/null; then
		kill "$moto_pid" 2>/dev/null || true
		wait "$moto_pid" 2>/dev/null || true
	fi
	rm -f "$log"
}
trap cleanup EXIT

echo "moto $(python3 -c 'import moto; print(moto.__version__)'): starting the server on ${endpoint}"
python3 -m moto.server -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
moto_pid=$!

# Wait until it answers HTTP, at most about 30 seconds.
ready=""
for _ in $(seq 1 60); do
	if ! kill -0 "$moto_pid" 2>/dev/null; then
		echo "moto server exited before it was ready; its log:" >&2
		cat "$log" >&2
		exit 1
	fi
	if python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/moto-api/", timeout=2)' "$endpoint" >/dev/null 2>&1; then
		ready=1
		break
	fi
	sleep 0.5
done
if [[ -z "$ready" ]]; then
	echo "moto server did not answer on ${endpoint} within 30 seconds; its log:" >&2
	cat "$log" >&2
	exit 1
fi
echo "moto server ready (pid ${moto_pid})"

set +e
go test -race -count=1 -v ./internal/e2e/ -run 'TestScenarios|TestRegistryScanningWarning' -args -moto-endpoint="$endpoint"
status=$?
set -e
if [[ $status -ne 0 ]]; then
	echo "moto end-to-end scenarios failed (exit ${status}); moto server log:" >&2
	tail -n 50 "$log" >&2
fi
exit "$status"
