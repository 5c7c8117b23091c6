// Package e2e holds end-to-end scenario tests: the real action binary, run
// the way the GitHub runner runs it, against an ECR/STS backend through a
// recording proxy. The backend is the project's emulator by default, or a
// moto server given with -moto-endpoint (see scripts/moto-e2e.sh and
// docs/moto-differences.md). The package has no non-test code.
package e2e
