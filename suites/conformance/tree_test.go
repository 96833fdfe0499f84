package conformance

import (
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/callconf/callconf/internal/requirements"
)

func it(text string, labels ...string) types.SpecReport {
	return types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: text, LeafNodeLabels: labels}
}

func TestCheckTree(t *testing.T) {
	var ok types.Report
	for _, r := range requirements.All() {
		ok.SpecReports = append(ok.SpecReports, it(r.ID+" spec", r.Label()))
	}
	if err := CheckTree(ok); err != nil {
		t.Fatalf("a complete tree is refused: %v", err)
	}
	bad := ok
	bad.SpecReports = append([]types.SpecReport{}, ok.SpecReports[1:]...) // PATCH-01 has no spec
	bad.SpecReports = append(bad.SpecReports,
		it("orphan"),                        // no requirement
		it("typo", "req:PATCH-99"),          // unknown requirement
		it("PATCH-02 spec", "req:PATCH-02"), // duplicate name
		it("twice", "req:ERR-01", "req:ERR-02"),
	)
	err := CheckTree(bad)
	if err == nil {
		t.Fatal("an inconsistent tree is accepted")
	}
	for _, want := range []string{"PATCH-01", "has no spec", `"orphan"`, "PATCH-99", "duplicate spec name", "2 requirement labels"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
}
