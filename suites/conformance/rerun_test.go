package conformance

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/redact"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/target"
	"github.com/callconf/callconf/internal/token"
)

// TestRerunFocusMatchesOnlyItsSpec: Ginkgo matches --focus against the suite's description and
// the spec's full text joined by a space; the focus of a spec matches that string and no other
// spec's, even when one name is the start of another or holds regular-expression syntax.
func TestRerunFocusMatchesOnlyItsSpec(t *testing.T) {
	names := []string{
		"Update call PATCH-04 echoes targets as sent (fixture request-targets-one)",
		"Update call PATCH-04 echoes targets as sent (fixture request-targets-one) again",
		"Update call PATCH-04 echoes targets as sent",
		"Update call ERR-09 rejects the callId a/b?c=[1]* $HOME ^x|y",
		"Update call ERR-09 rejects the callId a/b?c=[1]* $HOME ^x|z",
	}
	for _, name := range names {
		re := regexp.MustCompile(RerunFocus(name))
		for _, other := range names {
			if got := re.MatchString(SuiteName + " " + other); got != (other == name) {
				t.Errorf("focus of %q matches %q: %v", name, other, got)
			}
			if re.MatchString(other) {
				t.Errorf("focus of %q matches the spec text without the suite's description", name)
			}
		}
	}
}

// TestRerunLines: both re-run lines carry the run's command line (secrets from the environment
// first), the runner's with --focus after the flags, Ginkgo's with the flags after "--".
func TestRerunLines(t *testing.T) {
	s := &suite{session: Session{Rerun: config.CommandLine{
		Env:   []string{`CALLCONF_TOKEN="${CALLCONF_TOKEN:?set it to the bearer token}"`},
		Flags: []string{"--base-url", "http://h:1", "--strict"},
	}}}
	focus := target.ShellQuote(RerunFocus("Update call X-01 x"))
	if got, want := rerunRunner(s, "Update call X-01 x"), `CALLCONF_TOKEN="${CALLCONF_TOKEN:?set it to the bearer token}" go run ./runner --base-url http://h:1 --strict --focus `+focus; got != want {
		t.Errorf("runner line\n got %s\nwant %s", got, want)
	}
	if got, want := rerunGinkgo(s, "Update call X-01 x"), `CALLCONF_TOKEN="${CALLCONF_TOKEN:?set it to the bearer token}" go tool ginkgo run --focus `+focus+` ./suites/conformance -- --base-url http://h:1 --strict`; got != want {
		t.Errorf("ginkgo line\n got %s\nwant %s", got, want)
	}
	embedded := &suite{}
	if got := rerunGinkgo(embedded, "Update call X-01 x"); strings.HasSuffix(got, "--") || strings.HasPrefix(got, " ") {
		t.Errorf("ginkgo line without flags: %q", got)
	}
}

// TestRecreateNamesOnlyCallsTheSpecDeletes: a call a spec created is written as a variable in
// later curl lines when the target deletes it at the spec's end, and only then.
func TestRecreateNamesOnlyCallsTheSpecDeletes(t *testing.T) {
	const base = "http://127.0.0.1:9"
	client, err := target.New(base, config.Default(), token.Static("t", redact.New()))
	if err != nil {
		t.Fatal(err)
	}
	created := func(id string) *target.Exchange {
		return &target.Exchange{Method: http.MethodPost, URL: base + requirements.CollectionPath, Status: http.StatusCreated,
			RequestHeader: http.Header{"Content-Type": {"application/json"}, "Client-Request-Id": {"x"}, "User-Agent": {"u"}},
			RequestBody:   []byte(`{}`), Body: []byte(`{"id": "` + id + `"}`)}
	}
	p := &probe{s: &suite{client: client, session: Session{Capabilities: map[requirements.Capability]bool{requirements.Create: true, requirements.Delete: true}}},
		exchanges: []*target.Exchange{created("a b"), {Method: http.MethodPatch, URL: base + requirements.CollectionPath + "/a%20b", Status: 200}, created("c")}}
	v, ok := p.recreate(0, 0)
	if !ok || v.Var != "CALL_ID" || v.Segment != "a%20b" || v.Prefix != base+requirements.CollectionPath+"/" || !strings.Contains(v.Hint, "exchange 1") {
		t.Fatalf("first call: %+v %v", v, ok)
	}
	if _, ok := p.recreate(1, 1); ok {
		t.Error("a PATCH created a call")
	}
	if v2, ok := p.recreate(2, 1); !ok || v2.Var != "CALL_ID_2" {
		t.Errorf("second call: %+v %v", v2, ok)
	}
	del := deleteOf(p.exchanges[0], v)
	if del.Method != http.MethodDelete || del.URL != base+requirements.CollectionPath+"/a%20b" || del.RequestBody != nil ||
		del.RequestHeader.Get("Content-Type") != "" || del.RequestHeader.Get("User-Agent") != "u" || p.exchanges[0].RequestHeader.Get("Content-Type") == "" {
		t.Errorf("delete: %+v", del)
	}
	if line := client.Curl(p.exchanges[1], v); !strings.Contains(line, `"${CALL_ID:?`) || strings.Contains(line, "a%20b") {
		t.Errorf("curl of the PATCH: %s", line)
	}
	p.s.session.Capabilities[requirements.Delete] = false // the call outlives the spec: name it
	if _, ok := p.recreate(0, 0); ok {
		t.Error("a call the spec does not delete is to be re-created")
	}
}

// TestSessionCarriesTheRerunLine: the process that prepares the target writes the re-run line
// from the user's configuration, and hands it to the other processes with the session (a
// parallel run's children only get a configuration derived from it).
func TestSessionCarriesTheRerunLine(t *testing.T) {
	cfg := config.Default()
	cfg.Strict, cfg.Timeout, cfg.ReportDir = true, 3*time.Second, t.TempDir()
	tokens, err := token.ForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tgt, err := Prepare(context.Background(), cfg, tokens, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	got, err := decodeSession(encodeSession(tgt.Session))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"--timeout", "3s", "--strict"}; !slices.Equal(got.Rerun.Flags, want) || len(got.Rerun.Env) != 0 {
		t.Errorf("re-run line through the session: %q, want flags %q", got.Rerun, want)
	}
}
