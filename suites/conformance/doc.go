// Package conformance holds the conformance specs for PATCH /communications/calls/{callId}: one
// Ginkgo spec tree, defined by Define, that both the Ginkgo test binary in this folder and the
// runner command execute. Data flows config → token source → prepared target (session and
// client) → specs → recorded exchanges → findings → reports: Prepare resolves the target
// (embedded reference or a base URL), builds the client once and discovers its capabilities;
// each spec records its exchanges through a probe, which passes every one through the exchange
// judge (package internal/judge) and checks the spec's own requirement with package check; the
// findings reach package report as typed data.
//
// Every spec is registered through Spec, which ties it to exactly one requirement of package
// requirements and turns that requirement into labels (req:ID, level:LEVEL, feature:NAME).
// CheckTree refuses, before anything runs, a requirement with no spec, a spec with no known
// requirement and duplicate spec names.
//
// It imports Ginkgo and the harness's lower layers (internal/config, internal/token,
// internal/target, internal/judge, internal/check, internal/report, internal/requirements,
// internal/ids, internal/reference for the embedded target, schemas and fixtures for generated
// cases); only the runner and the suite's test binary import it.
package conformance
