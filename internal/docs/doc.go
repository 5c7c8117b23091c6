// Package docs holds no code, only tests that keep README.md true to the
// project: its Inputs and Outputs tables are compared row by row with
// action.yml (same names, order, defaults and descriptions), and its
// "Try it" commands with the test command that .ci/run runs.
package docs
