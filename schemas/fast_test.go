package schemas_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/callconf/callconf/fixtures"
	"github.com/callconf/callconf/schemas"
)

// sameVerdict fails when the fast path answers doc differently from the full path.
func sameVerdict(t *testing.T, v *schemas.Validator, kind schemas.Kind, name string, doc []byte) (fast bool) {
	t.Helper()
	full, err := v.ValidateFull(kind, doc)
	if err != nil {
		t.Fatalf("%s (%s): full path: %v", name, kind, err)
	}
	got, ok := v.ValidateFast(kind, doc)
	if ok && !reflect.DeepEqual(got, full) {
		t.Errorf("%s (%s): fast path %+v\nfull path %+v", name, kind, got, full)
	}
	if ok && !full.Valid() {
		t.Errorf("%s (%s): the fast path answered an invalid document", name, kind)
	}
	if res, err := v.Validate(kind, doc); err != nil || !reflect.DeepEqual(res, full) {
		t.Errorf("%s (%s): Validate %+v, %v\nfull path %+v", name, kind, res, err, full)
	}
	return ok
}

// The fast path and the full path give the same verdict, violations and notes on every fixture
// (under every kind, not only its own) and on every input of the fuzz corpus, and the fast path
// takes every valid fixture but those whose integers are written with an exponent.
func TestFastPathAgreesWithFullPath(t *testing.T) {
	v := validator(t)
	all, err := fixtures.All()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range all {
		for _, k := range schemas.Kinds() {
			fast := sameVerdict(t, v, k, f.Name, f.Body)
			if k == f.Kind && f.Valid && !fast && !strings.Contains(f.Name, "exponent") {
				t.Errorf("%s: a valid fixture left to the full path", f.Name)
			}
		}
	}
	corpus, _ := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzValidate", "*"))
	for _, p := range corpus {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		doc, ok := fuzzInput(b)
		if !ok {
			t.Fatalf("%s: not a fuzz corpus file", p)
		}
		for _, k := range schemas.Kinds() {
			sameVerdict(t, v, k, p, doc)
		}
	}
}

// fuzzInput reads a file of the fuzz corpus ("go test fuzz v1" and one []byte value).
func fuzzInput(b []byte) ([]byte, bool) {
	lines := strings.SplitN(strings.TrimSpace(string(b)), "\n", 2)
	if len(lines) != 2 || lines[0] != "go test fuzz v1" {
		return nil, false
	}
	lit, ok := strings.CutPrefix(lines[1], "[]byte(")
	if !ok {
		return nil, false
	}
	s, err := strconv.Unquote(strings.TrimSuffix(lit, ")"))
	return []byte(s), err == nil
}
