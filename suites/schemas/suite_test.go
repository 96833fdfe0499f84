// Package schemas_test is the offline suite that proves the harness's own schemas: every fixture
// of package fixtures is one Entry, and the schema documents are checked against the seed's table.
// It needs no network and no target:
//
//	go tool ginkgo -p --randomize-all ./suites/schemas
package schemas_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestSchemas(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Schemas and fixtures")
}
