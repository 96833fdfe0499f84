package conformance

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callconf/callconf/internal/check"
	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/judge"
	"github.com/callconf/callconf/internal/proxy"
	"github.com/callconf/callconf/internal/report"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/target"
	"github.com/callconf/callconf/schemas"
)

// TestPatch04AgreesWithTheProxy: the suite's PATCH-04 (the exchange judge, on every 200 to a
// valid PATCH the suite sends) and the proxy's judge the
// same 200 answer to the same PATCH alike, finding for finding: an answer that shows the value
// sent passes both; one with junk after the object, or with a subject that is not UTF-8, fails
// both (neither reads what it cannot decode as a pass, nor decodes it leniently).
func TestPatch04AgreesWithTheProxy(t *testing.T) {
	const sent = `{"subject":"callconf PATCH-04","requestedModalities":["audio"]}`
	const answer = `{"id":"c1","subject":"callconf PATCH-04","requestedModalities":["audio"]}`
	for _, c := range []struct {
		name, answer string
		fails        bool
	}{
		{"the values sent", answer, false},
		{"another subject", strings.Replace(answer, "callconf PATCH-04", "old", 1), true},
		{"junk after the object", answer + "}", true},
		{"a comma after the object", answer + ",", true},
		{"a subject that is not UTF-8", strings.Replace(answer, "PATCH-04", "PATCH-04\xff", 1), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			suite := suitePatch04(t, sent, c.answer)
			proxied := proxyPatch04(t, sent, c.answer)
			if (len(suite) > 0) != c.fails {
				t.Errorf("the suite found %q, want a failure: %v", suite, c.fails)
			}
			if !slices.Equal(suite, proxied) {
				t.Errorf("PATCH-04 findings differ\nsuite %q\nproxy %q", suite, proxied)
			}
		})
	}
}

// suitePatch04 is what the suite finds of PATCH-04 in answer to sent: the exchange judge holds
// every 200 to a valid PATCH the suite sends to it.
func suitePatch04(t *testing.T, sent, answer string) []string {
	t.Helper()
	v, err := schemas.Default()
	if err != nil {
		t.Fatal(err)
	}
	ex := &target.Exchange{Method: http.MethodPatch, URL: "http://127.0.0.1:1" + requirements.CollectionPath + "/c1",
		RequestHeader: http.Header{"Content-Type": {"application/json"}}, RequestBody: []byte(sent),
		Status: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(answer)}
	var out []string
	for _, f := range judge.New(v).Exchange(ex, "c1").Findings {
		if f.Requirement == "PATCH-04" {
			out = append(out, mismatchText(f.Requirement, f.Pointer, f.Expected, f.Actual, f.Message))
		}
	}
	return out
}

// proxyPatch04 is what the proxy finds of PATCH-04 when a client PATCHes sent and the target
// answers answer.
func proxyPatch04(t *testing.T, sent, answer string) []string {
	t.Helper()
	tgt := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("request-id", "r-1")
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, answer)
	}))
	defer tgt.Close()
	cfg := config.Default()
	cfg.BaseURL = tgt.URL
	px, err := proxy.New(proxy.Options{Config: cfg, Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(px)
	req, err := http.NewRequest(http.MethodPatch, front.URL+requirements.CollectionPath+"/c1", strings.NewReader(sent))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	front.Close()
	px.Close()
	var out []string
	for _, r := range px.Conformance(time.Now(), false).Requirements {
		if r.ID != "PATCH-04" {
			continue
		}
		if r.Outcome != report.Passed && r.Outcome != report.Failed {
			t.Fatalf("the proxy's PATCH-04 is %s, want passed or failed (applied)", r.Outcome)
		}
		for _, fl := range r.Failures {
			for _, f := range fl.Findings {
				out = append(out, mismatchText(f.Requirement, f.Pointer, f.Expected, f.Got, f.Message))
			}
		}
	}
	return out
}

func mismatchText(req, ptr, expected, actual, msg string) string {
	return fmt.Sprintf("[%s] %s", req, check.Mismatch{Pointer: ptr, Expected: expected, Actual: actual, Message: msg})
}
