package mutants

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// storm sends method on path to the server at srv with the bearer token tok, and returns the
// answer's status, its Retry-After and its body.
func storm(t *testing.T, srv string, tok, method, path, body string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), string(b)
}

// The retry storms never stop throttling: every PATCH of every call (retry-storm-zero) or of
// the first call PATCHed (retry-storm-past-date, in each instance anew) answers 503 with a
// Retry-After that asks for no wait at all, however often it is retried; anything else is the
// reference's.
func TestRetryStormsNeverRecover(t *testing.T) {
	const tok = "storm-token"
	create := func(t *testing.T, url string) string {
		_, _, body := storm(t, url, tok, http.MethodPost, collection, batteryBaseline)
		m := regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("create answered %s", body)
		}
		return collection + "/" + m[1]
	}
	for _, c := range []struct {
		name       string
		secondToo  bool // the second call's PATCHes are throttled too
		zeroOrPast func(string) bool
	}{
		{"retry-storm-zero", true, func(v string) bool { return v == "0" }},
		{"retry-storm-past-date", false, func(v string) bool {
			at, err := http.ParseTime(v)
			return err == nil && at.Before(time.Now())
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			im, ok := Get(c.name)
			if !ok {
				t.Fatal("not in the catalogue")
			}
			for range 2 { // each instance picks its own first call
				in, err := im.Build(tok)
				if err != nil {
					t.Fatal(err)
				}
				url := serve(t, in.Handler).URL
				first, second := create(t, url), create(t, url)
				for range 10 {
					status, ra, _ := storm(t, url, tok, http.MethodPatch, first, `{"subject": "again"}`)
					if status != http.StatusServiceUnavailable || !c.zeroOrPast(ra) {
						t.Fatalf("PATCH of the first call: %d, Retry-After %q", status, ra)
					}
				}
				status, _, _ := storm(t, url, tok, http.MethodPatch, second, `{"subject": "other"}`)
				if (status == http.StatusServiceUnavailable) != c.secondToo {
					t.Errorf("PATCH of the second call: %d", status)
				}
				if status, _, _ := storm(t, url, tok, http.MethodGet, first, ""); status != http.StatusOK {
					t.Errorf("GET of the first call: %d, want the reference's 200", status)
				}
			}
		})
	}
}
