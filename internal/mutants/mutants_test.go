package mutants

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/callconf/callconf/internal/requirements"
)

func TestCatalogue(t *testing.T) {
	all := All()
	seen := map[string]bool{}
	n := map[Kind]int{}
	declared := map[string]bool{}
	order := map[string]int{}
	for i, r := range requirements.All() {
		order[r.ID] = i
	}
	for _, im := range all {
		if seen[im.Name] {
			t.Errorf("duplicate name %q", im.Name)
		}
		seen[im.Name] = true
		n[im.Kind]++
		if im.Description == "" || im.Build == nil {
			t.Errorf("%s: description and Build are required", im.Name)
		}
		if !regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`).MatchString(strings.ToLower(im.Name)) {
			t.Errorf("%s: names are lower-case words joined by '-'", im.Name)
		}
		switch im.Kind {
		case KindMutant:
			if len(im.Declares) == 0 {
				t.Errorf("%s: a mutant must declare the requirements it fails", im.Name)
			}
			if !slices.IsSortedFunc(im.Declares, func(a, b string) int { return order[a] - order[b] }) {
				t.Errorf("%s: Declares %v not in contract order", im.Name, im.Declares)
			}
		default:
			if len(im.Declares) > 0 {
				t.Errorf("%s: only mutants declare failures", im.Name)
			}
		}
		for _, id := range im.Declares {
			if _, err := requirements.Get(id); err != nil {
				t.Errorf("%s: %v", im.Name, err)
			}
			declared[id] = true
		}
	}
	if n[KindReference] != 1 || n[KindMutant] < 30 || n[KindVariant] < 8 || n[KindHostile] < 1 {
		t.Errorf("catalogue has %v; want 1 reference, >= 30 mutants, >= 8 variants, hostile targets", n)
	}
	for _, r := range requirements.All() {
		if !declared[r.ID] {
			t.Errorf("requirement %s is declared by no mutant", r.ID)
		}
	}
}

func TestSelect(t *testing.T) {
	got, err := Select([]string{"reference", "status-.*"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, im := range got {
		names = append(names, im.Name)
	}
	if !slices.Equal(names, []string{"reference", "status-422", "status-204"}) {
		t.Errorf("Select = %v", names)
	}
	if _, err := Select([]string{"nothing-by-this-name"}); err == nil {
		t.Error("Select of an unknown name: no error")
	}
	if _, err := Select([]string{"("}); err == nil {
		t.Error("Select of a bad pattern: no error")
	}
}

// TestEveryMutantDiffers runs the same battery of requests against the reference and each mutant
// and requires that the (normalised) transcripts differ: a mutant that behaves like the reference
// on everything would prove nothing. The reference against itself must give the same transcript,
// or the comparison would prove nothing either.
func TestEveryMutantDiffers(t *testing.T) {
	ref, _ := Get("reference")
	want := battery(t, ref)
	if again := battery(t, ref); again != want {
		t.Fatalf("the battery is not deterministic against the reference:\n%s", firstDiff(want, again))
	}
	for _, im := range All() {
		if im.Kind != KindMutant {
			continue
		}
		t.Run(im.Name, func(t *testing.T) {
			t.Parallel()
			if got := battery(t, im); got == want {
				t.Errorf("%s answers the battery exactly like the reference", im.Name)
			}
		})
	}
}

// TestVariantsBuild checks that every variant and hostile target builds and answers a first
// request (hostile ones may refuse it), and that no-create variants name seeded calls.
func TestVariantsBuild(t *testing.T) {
	for _, im := range All() {
		if im.Kind == KindMutant || im.Name == "never-answers" {
			continue
		}
		t.Run(im.Name, func(t *testing.T) {
			in, err := im.Build("test-token")
			if err != nil {
				t.Fatal(err)
			}
			if in.Close != nil {
				defer in.Close()
			}
			if strings.HasPrefix(im.Name, "no-create") && len(in.CallIDs) == 0 {
				t.Error("a variant without create must name calls")
			}
			srv := serve(t, in.Handler)
			missing := missingGUID
			if strings.HasPrefix(im.Name, "prefixed-ids") { // other shapes answer 400 there
				missing = missingPrefixed
			}
			req, _ := http.NewRequest(http.MethodGet, srv.URL+collection+"/"+missing, nil)
			req.Header.Set("Authorization", "Bearer test-token")
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET of a missing call: %d, want 404", resp.StatusCode)
			}
		})
	}
}

// missingGUID is a call id no implementation gave out, shaped as the harness invents them.
const missingGUID = "00000000-0000-4000-8000-00000000dead"

func serve(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

const batteryBaseline = `{"subject": "baseline", "callbackUri": "https://bot.example.com/cb",
 "targets": [{"identity": {"user": {"id": "u1", "displayName": "User 1"}}}],
 "requestedModalities": ["audio"], "chatInfo": {"threadId": "t1", "messageId": "0"}, "tenantId": "tenant-1"}`

// battery sends a fixed sequence of requests to a fresh instance of im and returns the
// normalised transcript: status, the headers the contract cares about, and bodies with UUIDs
// numbered by first appearance and dates blanked.
func battery(t *testing.T, im Impl) string {
	t.Helper()
	const tok = "battery-token"
	in, err := im.Build(tok)
	if err != nil {
		t.Fatal(err)
	}
	if in.Close != nil {
		defer in.Close()
	}
	srv := serve(t, in.Handler)
	var out strings.Builder
	do := func(step, method, path, ct, body string, hdr ...string) (int, string) {
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		for i := 0; i+1 < len(hdr); i += 2 {
			if hdr[i+1] == "" {
				req.Header.Del(hdr[i])
			} else {
				req.Header.Set(hdr[i], hdr[i+1])
			}
		}
		req.Header.Set("Accept-Encoding", "identity")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		fmt.Fprintf(&out, "%s: %d ct=%q allow=%q loc=%q rid=%t crid=%q www=%q ra=%t\n  %s\n", step, resp.StatusCode,
			resp.Header.Get("Content-Type"), resp.Header.Values("Allow"), resp.Header.Get("Location"),
			resp.Header.Get("request-id") != "", resp.Header.Get("client-request-id"), resp.Header.Values("WWW-Authenticate"),
			resp.Header.Get("Retry-After") != "", b)
		return resp.StatusCode, string(b)
	}
	json := "application/json"
	_, created := do("create", http.MethodPost, collection, json, batteryBaseline)
	m := regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(created)
	if m == nil && len(in.CallIDs) > 0 { // a target without create: its first named call
		m = []string{"", in.CallIDs[0]}
	}
	if m == nil {
		t.Fatalf("create answered no id: %s", created)
	}
	item := collection + "/" + m[1]
	do("patch strings", http.MethodPatch, item, json, `{"subject": "Grüße \" \\ \t 📞 `+strings.Repeat("x", 300)+`", "callbackUri": "https://bot.example.com/cb2"}`)
	do("patch arrays", http.MethodPatch, item, json, `{"targets": [{"identity": {"user": {"id": "u2"}}}], "requestedModalities": ["video"]}`)
	do("patch server-generated", http.MethodPatch, item, json, `{"state": "established", "toneInfo": {"sequenceId": 9223372036854775807, "tone": "pound"}, "resultInfo": {"code": 2147483647, "subcode": 0, "message": "m"}}`)
	do("patch other id", http.MethodPatch, item, json, `{"id": "callconf-other-id", "subject": "other"}`)
	do("patch null", http.MethodPatch, item, json, `{"subject": null}`)
	// What only generated cases send: trailing whitespace and a long string in nested members, and
	// tenantId beside requestedModalities.
	do("patch generated", http.MethodPatch, item, json, `{"requestedModalities": ["audio"], "tenantId": "tenant-3", "chatInfo": {"threadId": "thread \t", "messageId": "`+strings.Repeat("m", 600)+`"}}`)
	do("get", http.MethodGet, item, "", "")
	do("patch twice 1", http.MethodPatch, item, json, `{"tenantId": "tenant-2"}`)
	do("patch twice 2", http.MethodPatch, item, json, `{"tenantId": "tenant-2"}`)
	do("get again", http.MethodGet, item, "", "")
	do("malformed JSON", http.MethodPatch, item, json, `{"subject": `)
	do("outside the enum", http.MethodPatch, item, json, `{"requestedModalities": ["callconfNotAModality"]}`)
	do("null not nullable", http.MethodPatch, item, json, `{"callbackUri": null}`)
	do("not an object", http.MethodPatch, item, json, `[]`)
	do("text/plain", http.MethodPatch, item, "text/plain", `{"subject": "plain"}`)
	do("PUT", http.MethodPut, item, json, batteryBaseline)
	do("malformed id", http.MethodPatch, collection+"/..%2F..%2F", json, `{"subject": "x"}`)
	do("missing call", http.MethodPatch, collection+"/"+missingGUID, json, `{"subject": "x"}`)
	do("no token", http.MethodPatch, item, json, `{"subject": "x"}`, "Authorization", "")
	do("wrong token", http.MethodPatch, item, json, `{"subject": "x"}`, "Authorization", "Bearer wrong")
	do("client-request-id", http.MethodPatch, item, json, `{"subject": "crid"}`, "client-request-id", "battery-crid")
	do("client-request-id on an error", http.MethodPatch, item, json, `{"subject": `, "client-request-id", "battery-crid-2")
	do("basic auth", http.MethodPatch, item, json, `{"subject": "x"}`, "Authorization", "Basic Y2FsbGNvbmY6c2VjcmV0")
	do("patch source", http.MethodPatch, item, json, `{"source": {"identity": {"application": {"id": "a2"}}}}`)
	do("partly invalid", http.MethodPatch, item, json, `{"subject": "partly", "requestedModalities": ["callconfNotAModality"]}`)
	do("get after partly invalid", http.MethodGet, item, "", "")
	_, second := do("create second", http.MethodPost, collection, json, batteryBaseline)
	if m := regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(second); m != nil {
		do("patch first", http.MethodPatch, item, json, `{"subject": "first only"}`)
		do("get second", http.MethodGet, collection+"/"+m[1], "", "")
	}

	// Contract v3's content checks: white space, a subject over 64 KiB, an invalid member a
	// server might merge, a foreign top-level @odata.type, and four PATCHes of different
	// properties at once (none may be lost).
	do("patch padded", http.MethodPatch, item, json, "{\"subject\": \"  padded\\t\", \"tenantId\": \"\\u00a0t3\"}")
	do("patch over 64 KiB", http.MethodPatch, item, json, `{"subject": "`+strings.Repeat("y", 66000)+`"}`)
	do("invalid mediaState", http.MethodPatch, item, json, `{"mediaState": {"audio": "loud"}}`)
	do("get after invalid mediaState", http.MethodGet, item, "", "")
	do("foreign type", http.MethodPatch, item, json, `{"@odata.type": "#microsoft.graph.participant", "subject": "foreign"}`)
	var props sync.WaitGroup
	for _, body := range []string{`{"subject": "p1"}`, `{"callbackUri": "https://bot.example.com/p2"}`, `{"tenantId": "p3"}`, `{"requestedModalities": ["video", "audio"]}`} {
		props.Add(1)
		go func() {
			defer props.Done()
			req, _ := http.NewRequest(http.MethodPatch, srv.URL+item, strings.NewReader(body))
			req.Header.Set("Content-Type", json)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	props.Wait()
	do("get after concurrent properties", http.MethodGet, item, "", "")
	// A probe's numeric id (Mockoon stored one and answered it as the call's id from then on).
	do("numeric id", http.MethodPatch, item, json, `{"id": 42}`)
	do("patch after numeric id", http.MethodPatch, item, json, `{"subject": "after 42"}`)

	// Eight PATCHes at once, on connections of their own; only the sorted statuses are kept.
	statuses := make([]int, 8)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPatch, srv.URL+item, bytes.NewReader([]byte(fmt.Sprintf(`{"subject": "writer %d"}`, i))))
			req.Header.Set("Content-Type", json)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
			if err != nil {
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	slices.Sort(statuses)
	fmt.Fprintf(&out, "concurrent: %v\n", statuses)

	do("delete", http.MethodDelete, item, "", "")
	do("patch after delete", http.MethodPatch, item, json, `{"subject": "ghost"}`)
	do("get after delete", http.MethodGet, item, "", "")
	return normalise(out.String())
}

var (
	uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	dateRE = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`)
	subjRE = regexp.MustCompile(`"subject":"writer \d"`)
)

func normalise(s string) string {
	names := map[string]string{}
	s = uuidRE.ReplaceAllStringFunc(s, func(u string) string {
		if _, ok := names[u]; !ok {
			names[u] = fmt.Sprintf("<uuid%d>", len(names)+1)
		}
		return names[u]
	})
	s = dateRE.ReplaceAllString(s, "<date>")
	// Which concurrent writer won is up to the scheduler.
	return subjRE.ReplaceAllString(s, `"subject":"writer N"`)
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n  %s\n  %s", i+1, al[i], bl[i])
		}
	}
	return "lengths differ"
}
