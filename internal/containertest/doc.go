// Package containertest holds no code, only a test that runs the action's
// container image the way the GitHub runner runs a Docker container action:
// --workdir /github/workspace, the /github/home, /github/workflow,
// /github/file_commands and /github/workspace mounts owned by a non-root
// user, inputs as INPUT_<NAME> variables with their hyphens, and the
// file-command files under /github/file_commands. It talks to the project's
// ECR/STS emulator on the host (--network host).
//
// The test needs a Docker engine and an image, so it runs only when
// ECR_RECONCILE_CONTAINER_IMAGE names one; scripts/container-test.sh builds
// the image from the repository's Dockerfile (with local stand-ins for the
// base images where no registry is reachable) and runs it. .ci/run and the
// GitHub CI workflow call that script.
package containertest
