package reference

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/callconf/callconf/schemas"
)

// FuzzPatchBody sends arbitrary PATCH bodies to one call: the server never panics, never answers
// 5xx, answers 200 or a 4xx Graph error, and the stored call always satisfies the response schema
// (and keeps its id). Each body is then sent again gzip-compressed, which must be answered as the
// uncompressed one was (a PATCH applied twice changes nothing more). Seed corpus:
// testdata/fuzz/FuzzPatchBody plus the seeds added below.
func FuzzPatchBody(f *testing.F) {
	for _, s := range []string{fullCall, createBody, `{}`, `{"subject":null}`, `{"chatInfo":{"threadId":"x"}}`,
		`{"toneInfo":{"sequenceId":9223372036854775807,"tone":"a"}}`, `{"resultInfo":{"code":1e20000000,"subcode":0}}`,
		`{"id":"x"}`, `{"mediaConfig":{"@odata.type":"#microsoft.graph.serviceHostedMediaConfig","preFetchMedia":[{"uri":"u"}]}}`,
		`{"meetingInfo":{"@odata.type":"#microsoft.graph.organizerMeetingInfo","organizer":{"user":{"id":"o"}}}}`,
		`{"meetingInfo":{"@odata.type":"#microsoft.graph.tokenMeetingInfo","token":"tk"}}`,
		`{"source":{"identity":{"user":{"id":"u","tenantId":"open"}}}}`, `{"subject":"a","subject":"b"}`, `[`, ``} {
		f.Add([]byte(s))
	}
	srv, v, id := fuzzTarget(f, Options{})
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := servePatch(srv, id, body, "")
		checkAnswer(t, v, rec.Code, rec.Body.Bytes(), body)
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

		var zb bytes.Buffer
		zw := gzip.NewWriter(&zb)
		_, _ = zw.Write(body)
		_ = zw.Close()
		if int64(zb.Len()) > DefaultMaxBodyBytes {
			return // compression made it too large: a 413 of its own
		}
		zrec := servePatch(srv, id, zb.Bytes(), "gzip")
		checkAnswer(t, v, zrec.Code, zrec.Body.Bytes(), body)
		switch {
		case zrec.Code != rec.Code:
			t.Fatalf("%q: %d uncompressed, %d with gzip: %s", body, rec.Code, zrec.Code, zrec.Body)
		case rec.Code == http.StatusOK && !bytes.Equal(rec.Body.Bytes(), zrec.Body.Bytes()):
			t.Fatalf("%q: uncompressed\n%s\nwith gzip\n%s", body, rec.Body, zrec.Body)
		}
	})
}

// fuzzTarget returns a server built with opts, a validator, and the id of a call created on it.
func fuzzTarget(f *testing.F, opts Options) (*Server, *schemas.Validator, string) {
	srv, err := New(opts)
	if err != nil {
		f.Fatal(err)
	}
	id, err := srv.Create([]byte(createBody))
	if err != nil {
		f.Fatal(err)
	}
	return srv, validator(f), id
}

// servePatch PATCHes the call id with body, sent with Content-Encoding coding unless empty.
func servePatch(srv *Server, id string, body []byte, coding string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("PATCH", "/communications/calls/"+id, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if coding != "" {
		req.Header.Set("Content-Encoding", coding)
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	return rec
}

// checkAnswer fails unless an answer to a PATCH is a 200 with a valid call or a 4xx Graph error.
func checkAnswer(t *testing.T, v *schemas.Validator, code int, answer, body []byte) {
	t.Helper()
	switch {
	case code == http.StatusOK:
		res, err := v.Validate(schemas.KindResponse, answer)
		if err != nil || !res.Valid() {
			t.Fatalf("200 body invalid (%v): %+v\n%s", err, res.Violations, answer)
		}
	case code >= 400 && code < 500:
		res, err := v.Validate(schemas.KindError, answer)
		if err != nil || !res.Valid() {
			t.Fatalf("%d body is not a Graph error (%v): %+v\n%s", code, err, res.Violations, answer)
		}
	default:
		t.Fatalf("status %d for %q: %s", code, body, answer)
	}
}

func mustObject(t testing.TB, doc []byte) object {
	t.Helper()
	o, err := parseObject(doc)
	if err != nil {
		t.Fatalf("stored call is not an object: %v", err)
	}
	return o
}
