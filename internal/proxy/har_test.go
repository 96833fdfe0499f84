package proxy

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/callconf/callconf/internal/har"
	"github.com/callconf/callconf/internal/report"
)

// The proxy's HAR of some traffic, judged offline, gives the findings the proxy gave live: the
// same outcome per requirement and the same failures, service and client side (a gzip answer,
// a route outside the contract and a client's bad PATCH included).
func TestOfflineJudgeOfProxyHARMatchesLive(t *testing.T) {
	target := fakeTarget(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("request-id", "r-1")
		switch {
		case strings.HasSuffix(r.URL.Path, "/five"):
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"error":{"code":"generalException","message":"boom"}}`)
		case strings.HasSuffix(r.URL.Path, "/text"):
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, "no such call")
		case strings.HasSuffix(r.URL.Path, "/zipped"):
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Encoding", "gzip")
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			io.WriteString(zw, `{"id":"zipped","subject":"new"}`)
			zw.Close()
			w.Write(b.Bytes())
		case strings.HasSuffix(r.URL.Path, "/health"):
			io.WriteString(w, "ok")
		default: // a PATCH answered 200 with another id and without the subject sent
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"id":"other","subject":"old"}`)
		}
	})
	path := filepath.Join(t.TempDir(), "proxy.har")
	parts, err := har.NewPartsDir()
	if err != nil {
		t.Fatal(err)
	}
	rec, err := har.NewRecorder(parts, har.Sanitizer{})
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, target, func(o *Options) { o.HAR = rec })
	do(t, http.MethodGet, f.url+"/communications/calls/five", "", nil)
	do(t, http.MethodGet, f.url+"/communications/calls/text", "", map[string]string{"client-request-id": "c-1"})
	do(t, http.MethodPatch, f.url+"/communications/calls/c1", `{"subject":"new"}`, map[string]string{"Authorization": "Bearer " + testToken})
	do(t, http.MethodPatch, f.url+"/communications/calls/zipped", `{"subject":"new"}`, map[string]string{"Accept-Encoding": "gzip"})
	do(t, http.MethodPatch, f.url+"/communications/calls/c2", `{"subject":7}`, nil)
	do(t, http.MethodGet, f.url+"/health", "", nil)
	live := f.closed(t)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	n, err := har.Collect(parts, path, har.Creator{Name: "test", Version: "1"}, nil)
	if err != nil || n != 6 {
		t.Fatalf("collect: %d entries, %v; want 6", n, err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(testToken)) {
		t.Errorf("the HAR holds the client's token:\n%s", raw)
	}
	h, err := har.Read(bytes.NewReader(raw), 0)
	if err != nil {
		t.Fatal(err)
	}
	off, err := NewOffline(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range h.Log.Entries {
		off.Entry(i+1, e)
	}
	if off.Judged != 5 || off.Skipped != 1 {
		t.Errorf("judged %d, skipped %d; want 5, 1", off.Judged, off.Skipped)
	}
	offline := off.Conformance(target, time.Now(), false)
	failures := 0
	for i, l := range live.Requirements {
		o := offline.Requirements[i]
		if l.ID != o.ID || l.Outcome != o.Outcome || !reflect.DeepEqual(l.Failures, o.Failures) {
			t.Errorf("%s: live %s %+v\noffline %s %+v", l.ID, l.Outcome, l.Failures, o.Outcome, o.Failures)
		}
		failures += len(l.Failures)
	}
	if failures < 5 || outcomeOf(live, "PATCH-03").Outcome != report.Failed || outcomeOf(live, "PATCH-01").Outcome != report.Failed {
		t.Errorf("the traffic should fail PATCH-03 (service) and PATCH-01 (client): %d failures", failures)
	}
}
