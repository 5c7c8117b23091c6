// Package actexamples holds no code, only a test that runs the workflow
// examples of docs/examples with nektos/act, a real implementation of the
// GitHub Actions runner, against the project's ECR/STS emulator.
//
// Each example runs twice or more (see the table in the test), once with the
// container action (action.yml, naming an image built from the Dockerfile as
// docker://IMAGE, as a release names its image) and once with the
// runner-binary action (run/action.yml, pinned by scripts/pin-run-action.sh
// to a binary served on a local port, as a release pins it). act resolves
// ecr-reconcile/ecr-reconcile@v1 (and my-org/platform-actions@v1 for the
// composite example) to local copies (--local-repository). In the test copy
// of each workflow, steps that need the outside world (credentials from
// configure-aws-credentials, registry logins, builds and pushes) become steps
// that check what they would have received (the registry host and image
// references must have the shape of an ECR URI); actions/checkout stays, and
// act copies the local tree for it. After every ecr-reconcile step a step
// prints its outputs for the test to read. The test asserts the outputs, that
// the first run wrote and that a re-run made no write call at all.
//
// The test needs Docker, act and two images, so it runs only when
// ECR_RECONCILE_CONTAINER_IMAGE (the action's image) and
// ECR_RECONCILE_ACT_JOB_IMAGE (the job image) are set;
// scripts/act-examples.sh builds both and runs it. .ci/run calls that script.
// With -v and ECR_RECONCILE_ACT_LOG=1 the test logs act's whole output.
package actexamples
