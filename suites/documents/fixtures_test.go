package documents_test

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/callconf/callconf/fixtures"
	"github.com/callconf/callconf/schemas"
)

// allFixtures is read while the spec tree is built, so that each fixture is its own Entry.
var allFixtures, fixturesErr = fixtures.All()

func validator() *schemas.Validator {
	GinkgoHelper()
	v, err := schemas.Default()
	Expect(err).NotTo(HaveOccurred())
	return v
}

var _ = Describe("Fixtures", Label("fixtures"), func() {
	It("load from the manifest, at least 120 of them", func() {
		Expect(fixturesErr).NotTo(HaveOccurred())
		Expect(len(allFixtures)).To(BeNumerically(">=", 120))
	})

	entries := []TableEntry{}
	for _, f := range allFixtures {
		entries = append(entries, Entry(f.Name, f))
	}
	DescribeTable("each fixture gets exactly its expected verdict",
		func(f fixtures.Fixture) {
			res, err := validator().Validate(f.Kind, f.Body)
			Expect(err).NotTo(HaveOccurred())
			got := []fixtures.Expectation{}
			for _, v := range res.Violations {
				got = append(got, fixtures.Expectation{Pointer: v.Pointer, Keyword: v.Keyword})
				Expect(v.Message).NotTo(BeEmpty(), "violation %+v has no message", v)
			}
			notes := []string{}
			for _, n := range res.Notes {
				notes = append(notes, n.Pointer)
			}
			AddReportEntry("result", fmt.Sprintf("%+v", res), ReportEntryVisibilityFailureOrVerbose)
			if f.Valid {
				Expect(res.Violations).To(BeEmpty(), "%s (%s): %s", f.Name, f.File, f.Description)
			} else {
				Expect(got).To(Equal(f.Expect), "%s (%s): %s", f.Name, f.File, f.Description)
			}
			Expect(notes).To(Equal(f.Notes), "notes of %s", f.Name)
			Expect(res.Valid()).To(Equal(f.Valid))
		},
		entries,
	)
})
