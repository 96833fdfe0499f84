package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/callconf/callconf/internal/reference"
)

// `callconf judge` on the HAR `callconf proxy --har` wrote gives the verdict the proxy gave
// live for the same traffic: the same outcome and failures per requirement, service side (a
// target that drops request-id and answers 404 in text) and client side (an invalid PATCH).
func TestJudgeOfProxyHARMatchesTheProxy(t *testing.T) {
	srv, err := reference.New(reference.Options{BasePath: "/v1.0"})
	if err != nil {
		t.Fatal(err)
	}
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			if k != "Request-Id" && k != "Content-Length" {
				w.Header()[k] = v
			}
		}
		if rec.Code == http.StatusNotFound {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, "gone")
			return
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	defer broken.Close()
	dir := t.TempDir()
	live, offline, harFile := filepath.Join(dir, "live"), filepath.Join(dir, "offline"), filepath.Join(dir, "traffic.har")
	const tok = "judge-proxy-token-0042"
	r := startProxy(t, "--base-url", broken.URL, "--report-dir", live, "--har", harFile)
	send := func(method, path, body string) []byte {
		req, _ := http.NewRequest(method, r.url+"/v1.0/communications/calls"+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("client-request-id", "11111111-2222-4333-8444-555555555555")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		r.next(t)
		return b
	}
	var call struct{ ID string }
	if err := json.Unmarshal(send(http.MethodPost, "", `{"subject":"s","requestedModalities":["audio"]}`), &call); err != nil || call.ID == "" {
		t.Fatalf("create: %v", err)
	}
	send(http.MethodPatch, "/"+call.ID, `{"subject":"renamed"}`)
	send(http.MethodPatch, "/"+call.ID, `{"requestedModalities":["hologram"]}`)
	send(http.MethodGet, "/"+call.ID, "")
	send(http.MethodGet, "/no-such-call", "")
	liveCode, rest := r.exit(t)
	if !strings.Contains(rest, "exchanges written to "+harFile) {
		t.Fatalf("proxy output:\n%s", rest)
	}
	code, out, errOut := judgeCmd(t, "--report-dir", offline, harFile)
	if code != liveCode || liveCode != exitFail {
		t.Fatalf("judge exit %d, proxy %d; want 1 both\n%s%s", code, liveCode, out, errOut)
	}
	type verdict struct {
		Requests     int
		Requirements []struct {
			ID, Outcome string
			Failures    []struct{ Spec, Message string }
		}
	}
	read := func(d string) (verdict, string) {
		b, err := os.ReadFile(filepath.Join(d, "conformance.json"))
		if err != nil {
			t.Fatal(err)
		}
		var v verdict
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		return v, string(b)
	}
	lv, lraw := read(live)
	ov, oraw := read(offline)
	if lv.Requests != 5 || ov.Requests != 5 || !reflect.DeepEqual(lv.Requirements, ov.Requirements) {
		t.Errorf("live:\n%s\noffline:\n%s", lraw, oraw)
	}
	outcome := map[string]string{}
	for _, x := range lv.Requirements {
		outcome[x.ID] = x.Outcome
	}
	if outcome["HTTP-01"] != "failed" || outcome["ERR-06"] != "failed" || outcome["PATCH-01"] != "failed" || outcome["PATCH-04"] != "passed" {
		t.Errorf("the traffic should fail HTTP-01, ERR-06 (service) and PATCH-01 (client): %v", outcome)
	}
	b, _ := os.ReadFile(harFile)
	if strings.Contains(string(b)+out+oraw, tok) {
		t.Error("the token reached the HAR or the judge's output")
	}
}
