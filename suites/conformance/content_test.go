package conformance

import (
	"testing"

	"github.com/callconf/callconf/internal/check"
	"github.com/callconf/callconf/schemas"
)

// STATE-03's PATCHes of different properties: at least 4 (the contract), each a valid body that
// sets exactly one updatable property, no two the same, and never tenantId (which a read back
// without read sets, so it could not show a lost update).
func TestConcurrentPropertiesAreDistinctAndValid(t *testing.T) {
	v, err := schemas.Default()
	if err != nil {
		t.Fatal(err)
	}
	bodies := concurrentProperties()
	if len(bodies) < 4 {
		t.Fatalf("%d bodies, want at least 4", len(bodies))
	}
	seen := map[string]bool{}
	for _, b := range bodies {
		res, err := v.Validate(schemas.KindRequest, []byte(b))
		if err != nil || !res.Valid() {
			t.Errorf("%s: not valid by the request schema: %v %v", b, err, res.Violations)
		}
		obj, err := check.DecodeObject([]byte(b))
		if err != nil || len(obj) != 1 {
			t.Fatalf("%s: want one member", b)
		}
		for k := range obj {
			if seen[k] || k == "tenantId" {
				t.Errorf("%s: property %s twice, or tenantId", b, k)
			}
			seen[k] = true
		}
	}
}

// ERR-02's foreign top-level @odata.type cases are invalid by the harness's own request schema
// for that member alone (the subject beside it is valid).
func TestForeignCallTypesAreInvalidForTheirTypeOnly(t *testing.T) {
	v, err := schemas.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range foreignCallTypes {
		res, err := v.Validate(schemas.KindRequest, []byte(c.body))
		if err != nil || res.Valid() {
			t.Errorf("%s: valid by the request schema (err %v)", c.name, err)
			continue
		}
		for _, x := range res.Violations {
			if x.Pointer != "/@odata.type" {
				t.Errorf("%s: a violation at %s besides /@odata.type", c.name, x.Pointer)
			}
		}
	}
}
