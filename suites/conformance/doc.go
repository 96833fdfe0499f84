// Package conformance holds the conformance specs for PATCH /communications/calls/{callId}: one
// Ginkgo spec tree, defined by Define, that both the Ginkgo test binary in this folder and the
// runner command execute. Data flows config → target session → specs → recorded exchanges →
// verdicts → reports: Prepare resolves the target (embedded reference or a base URL) and its
// capabilities, each spec records its exchanges through a probe and judges them with package
// verdict, and the suite's ReportAfterSuite turns Ginkgo's report into package report's files.
//
// Every spec is registered through Spec, which ties it to exactly one requirement of package
// requirements and turns that requirement into labels (req:ID, level:LEVEL, feature:NAME).
// CheckTree refuses, before anything runs, a requirement with no spec, a spec with no known
// requirement and duplicate spec names.
package conformance
