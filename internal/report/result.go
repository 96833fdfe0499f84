package report

import "github.com/onsi/ginkgo/v2/types"

// ResultOf returns the SpecResult a spec recorded (from this process or, as JSON, from another),
// and whether it recorded one.
func ResultOf(spec types.SpecReport) (SpecResult, bool) { return specResult(spec) }
