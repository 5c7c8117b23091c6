// Package runaction holds no code, only tests of the runner-binary action
// (run/action.yml, generated from action.yml by internal/actionmeta, and
// run/fetch.sh): run by a runner, it passes every input to the binary as the
// runner passes it to the container, its outputs are the binary's, and
// fetch.sh picks the release
// asset of each runner, refuses a binary whose checksum is not the pinned one
// and explains a missing asset. scripts/pin-run-action.sh, which the release
// workflow runs, is tested here too.
package runaction
