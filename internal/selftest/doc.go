// Package selftest proves the harness against the mutants catalogue: it serves every selected
// implementation on loopback, runs the conformance suite against each in a child process (the
// runner re-executed as `run --strict --report-dir DIR`), reads the conformance.json each child
// leaves in DIR, judges the typed outcomes per requirement, scores the mutants and renders the
// detection matrix as text, Markdown and JSON.
//
// The files follow the three steps: run.go starts and bounds the children (a worker pool,
// shards, time limits), evaluate.go turns what they left into a Result per implementation and a
// Matrix, render.go prints and writes the matrix. What a child found is only ever read from its
// conformance.json; its stdout and stderr are read for two things alone: the cause a hostile
// target's Instance.Expect demands, and crash traces.
//
// It may import internal/ids (the token each implementation gets), internal/mutants (the
// catalogue), internal/reference (to serve it),
// internal/report (the Conformance type it reads) and internal/requirements (the registry, which
// orders the matrix's columns); the child's environment comes from the caller (Options.Env), so
// that it needs no configuration of its own. Only the runner command imports it.
package selftest
