// Package documents_test is the offline suite that proves the harness's own documents: every fixture
// of package fixtures is one Entry, and the schema documents are checked against the seed's table.
// It needs no network and no target:
//
//	go tool ginkgo -p --randomize-all ./suites/documents
//
// It imports Ginkgo, Gomega, schemas, fixtures and internal/config (for the shared flags) only.
package documents_test

import (
	"flag"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/callconf/callconf/internal/config"
)

// The offline suite needs no target, but it accepts the harness flags so that one command,
// `go tool ginkgo run ./suites/... -- --base-url=URL`, runs every suite.
var _ = config.Bind(flag.CommandLine)

func TestDocuments(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Schemas and fixtures")
}
