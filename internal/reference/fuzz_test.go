package reference

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/callconf/callconf/schemas"
)

// FuzzPatchBody sends arbitrary PATCH bodies to one call: the server never panics, never answers
// 5xx, answers 200 or a 4xx Graph error, and the stored call always satisfies the response schema
// (and keeps its id). Seed corpus: testdata/fuzz/FuzzPatchBody plus the seeds added below.
func FuzzPatchBody(f *testing.F) {
	for _, s := range []string{fullCall, createBody, `{}`, `{"subject":null}`, `{"chatInfo":{"threadId":"x"}}`,
		`{"toneInfo":{"sequenceId":9223372036854775807,"tone":"a"}}`, `{"resultInfo":{"code":1e20000000,"subcode":0}}`,
		`{"id":"x"}`, `{"mediaConfig":{"@odata.type":"#microsoft.graph.serviceHostedMediaConfig","preFetchMedia":[{"uri":"u"}]}}`,
		`{"meetingInfo":{"@odata.type":"#microsoft.graph.organizerMeetingInfo","organizer":{"user":{"id":"o"}}}}`,
		`{"meetingInfo":{"@odata.type":"#microsoft.graph.tokenMeetingInfo","token":"tk"}}`,
		`{"source":{"identity":{"user":{"id":"u","tenantId":"open"}}}}`, `{"subject":"a","subject":"b"}`, `[`, ``} {
		f.Add([]byte(s))
	}
	srv, err := New(Options{})
	if err != nil {
		f.Fatal(err)
	}
	v, err := schemas.Default()
	if err != nil {
		f.Fatal(err)
	}
	id, err := srv.Create([]byte(createBody))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest("PATCH", "/communications/calls/"+id, strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		switch {
		case rec.Code == http.StatusOK:
			res, err := v.Validate(schemas.KindResponse, rec.Body.Bytes())
			if err != nil || !res.Valid() {
				t.Fatalf("200 body invalid (%v): %+v\n%s", err, res.Violations, rec.Body)
			}
		case rec.Code >= 400 && rec.Code < 500:
			res, err := v.Validate(schemas.KindError, rec.Body.Bytes())
			if err != nil || !res.Valid() {
				t.Fatalf("%d body is not a Graph error (%v): %+v\n%s", rec.Code, err, res.Violations, rec.Body)
			}
		default:
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
		doc, err := srv.Get(id)
		if err != nil {
			t.Fatalf("call gone: %v", err)
		}
		res, err := v.Validate(schemas.KindResponse, doc)
		if err != nil || !res.Valid() {
			t.Fatalf("stored call invalid after %q (%v): %+v\n%s", body, err, res.Violations, doc)
		}
		if got, _ := stringValue(mustObject(t, doc)["id"]); got != id {
			t.Fatalf("id changed to %q", got)
		}
	})
}

func mustObject(t testing.TB, doc []byte) object {
	t.Helper()
	o, err := parseObject(doc)
	if err != nil {
		t.Fatalf("stored call is not an object: %v", err)
	}
	return o
}
