// Package docs holds no code, only tests that keep README.md and docs/ true
// to the project: every input and output is in the README's reference (made
// from action.yml, see internal/actionmeta) and explained in docs/guide.md,
// every relative link resolves, the README's "Try it" commands are the demo
// and the test command that .ci/run runs, and the sentences that state
// numbers or lists (call counts, boolean flags, outputs) agree with their
// sources (claims_test.go). The build recipe's test keeps scripts/build.sh
// the one home of the binary's build flags.
package docs
