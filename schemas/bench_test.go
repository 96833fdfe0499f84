package schemas_test

import (
	"encoding/json"
	"testing"

	"github.com/callconf/callconf/fixtures"
	"github.com/callconf/callconf/schemas"
)

// correctedSeedResponse is the seed's example response with the five placeholders replaced by
// enum members, as the fixtures keep it.
func correctedSeedResponse(tb testing.TB) []byte {
	tb.Helper()
	f, err := fixtures.Get("response-seed-example-corrected")
	if err != nil {
		tb.Fatal(err)
	}
	return f.Body
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
	v, doc := validator(b), correctedSeedResponse(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		res, err := v.Validate(schemas.KindResponse, doc)
		if err != nil || !res.Valid() {
			b.Fatalf("got %+v, %v", res, err)
		}
	}
}

// BenchmarkUnmarshalSeedResponse decodes the same bytes into any: the floor to compare with.
func BenchmarkUnmarshalSeedResponse(b *testing.B) {
	doc := correctedSeedResponse(b)
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
	tb.Helper()
	f, err := fixtures.Get("request-graph-sdk-v1-targets-invitation")
	if err != nil {
		tb.Fatal(err)
	}
	return f.Body
}

// BenchmarkValidateSDKRequest validates a request with Graph v1.0 notes (fast path).
func BenchmarkValidateSDKRequest(b *testing.B) {
	v, doc := validator(b), sdkRequest(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		res, err := v.Validate(schemas.KindRequest, doc)
		if err != nil || !res.Valid() || len(res.Notes) != 9 {
			b.Fatalf("got %+v, %v", res, err)
		}
	}
}

// BenchmarkUnmarshalSDKRequest decodes the same bytes into any.
func BenchmarkUnmarshalSDKRequest(b *testing.B) {
	doc := sdkRequest(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		var v any
		if err := json.Unmarshal(doc, &v); err != nil {
			b.Fatal(err)
		}
	}
}
