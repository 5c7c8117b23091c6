// Package docs holds no code, only tests that keep README.md true to the
// project: its Inputs and Outputs tables are compared row by row with
// action.yml (same names, order, defaults and descriptions), and its
// "Try it" commands with the test command that .ci/run runs. The build
// recipe's test keeps scripts/build.sh the one home of the binary's build
// flags.
package docs
