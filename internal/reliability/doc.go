// Package reliability holds no code, only tests: each proves, against the
// emulator and through the same client configuration the action uses, that
// a reconcile ends in the declared state under the faults real AWS produces
// (throttling, 5xx, resets, hangs, eventual consistency, partial failure,
// races) and that the action needs exactly the IAM actions it documents.
package reliability
