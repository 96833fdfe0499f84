package schemas_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/callconf/callconf/fixtures"
	"github.com/callconf/callconf/schemas"
)

// FuzzValidate feeds arbitrary bytes to the validator's entry point under every kind. The seed
// corpus is every fixture plus the hostile shapes the validator guards against. Validate must
// never panic, never return a harness error (that would mean a recovered library panic), and
// always hand back a sorted result; its fast path must agree with the full path.
func FuzzValidate(f *testing.F) {
	all, err := fixtures.All()
	if err != nil {
		f.Fatal(err)
	}
	for _, fx := range all {
		f.Add(fx.Body)
	}
	for _, s := range []string{
		`{"resultInfo":{"code":1e20000000}}`, `{"toneInfo":{"sequenceId":-1e20000000,"tone":"a"}}`,
		strings.Repeat("[", 10000), "\xef\xbb\xbf{}", `{"subject":"a","subject":"b"}`, "{\"subject\":\"\xff\"}", ``, `null`,
	} {
		f.Add([]byte(s))
	}
	v, err := schemas.Default()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		for _, kind := range schemas.Kinds() {
			sameVerdict(t, v, kind, "input", doc)
			res, err := v.Validate(kind, doc)
			if err != nil {
				t.Fatalf("%s: harness error: %v", kind, err)
			}
			if !slices.IsSortedFunc(res.Violations, func(a, b schemas.Violation) int {
				return strings.Compare(a.Pointer+"\x00"+a.Keyword+"\x00"+a.Message, b.Pointer+"\x00"+b.Keyword+"\x00"+b.Message)
			}) {
				t.Fatalf("%s: violations not sorted: %v", kind, res.Violations)
			}
		}
	})
}
