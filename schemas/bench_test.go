package schemas_test

import (
	"encoding/json"
	"testing"

	"github.com/callconf/callconf/fixtures"
	"github.com/callconf/callconf/schemas"
)

// fixtureBody is the body of the named fixture.
func fixtureBody(tb testing.TB, name string) []byte {
	tb.Helper()
	f, err := fixtures.Get(name)
	if err != nil {
		tb.Fatal(err)
	}
	return f.Body
}

// correctedSeedResponse is the seed's example response with the five placeholders replaced by
// enum members, as the fixtures keep it.
func correctedSeedResponse(tb testing.TB) []byte {
	return fixtureBody(tb, "response-seed-example-corrected")
}

func validator(tb testing.TB) *schemas.Validator {
	tb.Helper()
	v, err := schemas.New()
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

func TestCorrectedSeedResponseIsValid(t *testing.T) {
	res, err := validator(t).Validate(schemas.KindResponse, correctedSeedResponse(t))
	if err != nil || !res.Valid() || len(res.Notes) != 0 {
		t.Fatalf("got %+v, %v", res, err)
	}
}

// BenchmarkValidateSeedResponse validates the corrected seed response with the compiled
// validator (prescan included).
func BenchmarkValidateSeedResponse(b *testing.B) {
	benchValidate(b, schemas.KindResponse, correctedSeedResponse(b), 0)
}

// benchValidate validates doc as kind, which must be valid with notes notes.
func benchValidate(b *testing.B, kind schemas.Kind, doc []byte, notes int) {
	v := validator(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		res, err := v.Validate(kind, doc)
		if err != nil || !res.Valid() || len(res.Notes) != notes {
			b.Fatalf("got %+v, %v", res, err)
		}
	}
}

// BenchmarkUnmarshalSeedResponse decodes the same bytes into any: the floor to compare with.
func BenchmarkUnmarshalSeedResponse(b *testing.B) {
	benchUnmarshal(b, correctedSeedResponse(b))
}

// benchUnmarshal decodes doc into any.
func benchUnmarshal(b *testing.B, doc []byte) {
	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		var v any
		if err := json.Unmarshal(doc, &v); err != nil {
			b.Fatal(err)
		}
	}
}

// sdkRequest is a request body as the Graph Go SDK v1.89.0 serializes it: valid in the request
// form, with nine Graph v1.0 notes.
func sdkRequest(tb testing.TB) []byte {
	return fixtureBody(tb, "request-graph-sdk-v1-targets-invitation")
}

// BenchmarkValidateSDKRequest validates a request with Graph v1.0 notes (fast path).
func BenchmarkValidateSDKRequest(b *testing.B) {
	benchValidate(b, schemas.KindRequest, sdkRequest(b), 9)
}

// BenchmarkUnmarshalSDKRequest decodes the same bytes into any.
func BenchmarkUnmarshalSDKRequest(b *testing.B) {
	benchUnmarshal(b, sdkRequest(b))
}
