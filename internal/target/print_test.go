package target

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"
)

// received is what a test server got from a curl line.
type received struct {
	uri  string
	body []byte
}

// recorder serves 200 and hands every request it gets to the returned channel.
func recorder(t *testing.T) (base string, got <-chan received) {
	t.Helper()
	ch := make(chan received, 4)
	srv := hostile(t, func(w http.ResponseWriter, r *http.Request, _ <-chan struct{}) {
		b, _ := io.ReadAll(r.Body)
		select {
		case ch <- received{r.RequestURI, b}:
		default: // nobody is waiting for this one
		}
	})
	return srv.URL, ch
}

// sh runs a printed command line with the secrets in the environment, plus env.
func sh(t *testing.T, line string, env ...string) ([]byte, error) {
	t.Helper()
	for _, tool := range []string{"sh", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip(tool + " not installed")
		}
	}
	cmd := exec.Command("sh", "-c", line)
	cmd.Env = append(os.Environ(), append([]string{"CALLCONF_TOKEN=" + testToken, "HEADER_X_API_KEY=" + testSecret}, env...)...)
	return cmd.CombinedOutput()
}

// TestCurlBodiesAreReadable: text bodies are printed as they are (no octal escapes for UTF-8 or
// line breaks); only bytes that are no printable UTF-8 are escaped, in the printf form.
func TestCurlBodiesAreReadable(t *testing.T) {
	base, _ := recorder(t)
	c := newClient(t, testConfig(base))
	for body, want := range map[string]string{
		"{\n  \"subject\": \"Größe\",\n  \"x\": [1]\n}": "--data-binary '{\n  \"subject\": \"Größe\",\n  \"x\": [1]\n}'",
		`{"subject":"Größe"}`:                           `--data-binary '{"subject":"Größe"}'`,
		"{\"subject\":\"Größe\"}\r\n":                   `printf '{"subject":"Größe"}\015\n' | curl `,
		"Größe\xff\n{":                                  `printf 'Größe\377\n{' | curl `,
		"-n\n":                                          `printf '\055n\n' | curl `,
		"-n":                                            `--data-binary -n`,
		"@file":                                         `printf @file | curl `,
	} {
		e := c.Do(context.Background(), Request{Method: "PATCH", Path: "/communications/calls/a", Body: []byte(body)})
		if line := c.Curl(e); !strings.Contains(line, want) || strings.Contains(line, `\303`) {
			t.Errorf("body %q:\n got %s\nwant it to contain %s", body, line, want)
		}
	}
}

// TestCurlJSONBodyAsPrintedByGinkgo: a JSON body printed across lines still reproduces the
// request when the console indents every line of the failure message, as Ginkgo does: the
// target gets the same JSON.
func TestCurlJSONBodyAsPrintedByGinkgo(t *testing.T) {
	base, got := recorder(t)
	cfg := testConfig(base)
	cfg.Timeout = 5 * time.Second
	c := newClient(t, cfg)
	body := "{\n  \"subject\": \"Größe — it's\",\n  \"targets\": [\n    {\"id\": \"a\\nb\"}\n  ]\n}"
	e := c.Do(context.Background(), Request{Method: "PATCH", Path: "/communications/calls/a", Body: []byte(body)})
	sent := <-got
	line := c.Curl(e)
	indented := "  " + strings.ReplaceAll(line, "\n", "\n  ")
	if out, err := sh(t, indented); err != nil {
		t.Fatalf("%s: %v\n%s", indented, err, out)
	}
	have := <-got
	var a, b any
	if err := json.Unmarshal(sent.body, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(have.body, &b); err != nil || !reflect.DeepEqual(a, b) || have.uri != sent.uri {
		t.Errorf("the indented line sent %s %q (%v), want the JSON of %q", have.uri, have.body, err, sent.body)
	}
}

// TestCurlURLVar: a call the reader must re-create is written as a variable in the URL; the
// shell refuses the line until it is set, and then sends the request to the new call.
func TestCurlURLVar(t *testing.T) {
	base, got := recorder(t)
	cfg := testConfig(base)
	cfg.Timeout = 5 * time.Second
	c := newClient(t, cfg)
	v := URLVar{Prefix: base + "/communications/calls/", Segment: "old%20id", Var: "CALL_ID", Hint: "set it to the id exchange 1 answers"}
	for path, want := range map[string]string{
		"/communications/calls/old%20id":         "/communications/calls/new-id",
		"/communications/calls/old%20id/x?y='z'": "/communications/calls/new-id/x?y='z'",
		"/communications/calls/old%20idx":        "/communications/calls/old%20idx", // another call
	} {
		e := c.Do(context.Background(), Request{Method: "PATCH", Path: path, Body: []byte(`{}`)})
		<-got
		line := c.Curl(e, v)
		if want != path {
			out, err := sh(t, line)
			if err == nil || !strings.Contains(string(out), "CALL_ID: set it to the id exchange 1 answers") {
				t.Errorf("%s: ran without CALL_ID (%v): %s", line, err, out)
			}
		}
		if out, err := sh(t, line, "CALL_ID=new-id"); err != nil {
			t.Fatalf("%s: %v\n%s", line, err, out)
		}
		if have := <-got; have.uri != want {
			t.Errorf("%s\nsent to %s, want %s", line, have.uri, want)
		}
	}
}

// TestCurlLongBodiesStayShort: a large body made of long runs of one byte (PATCH-08's 2 MiB
// subject, 10,000 levels of nesting) is printed as a short generator that sends exactly it,
// not as megabytes in the failure message.
func TestCurlLongBodiesStayShort(t *testing.T) {
	base, got := recorder(t)
	cfg := testConfig(base)
	cfg.Timeout = 10 * time.Second
	c := newClient(t, cfg)
	for _, body := range []string{
		`{"subject": "` + strings.Repeat("x", 2<<20) + `"}`,
		`{"chatInfo": {"threadId": ` + strings.Repeat(`[`, 40000) + strings.Repeat("]", 40000) + `}}`,
		"-" + strings.Repeat(" ", 70000) + "'%s\\n" + strings.Repeat("\x00", 300) + "ü",
	} {
		e := c.Do(context.Background(), Request{Method: "PATCH", Path: "/communications/calls/a", Body: []byte(body)})
		<-got
		line := c.Curl(e)
		if len(line) > 1000 {
			t.Errorf("a %d-byte body takes a %d-byte line", len(body), len(line))
			continue
		}
		if out, err := sh(t, line); err != nil {
			t.Fatalf("%s: %v\n%s", line, err, out)
		}
		if have := <-got; string(have.body) != body {
			t.Errorf("%s\nsent %d bytes (%q…), want %d", line, len(have.body), have.body[:min(len(have.body), 40)], len(body))
		}
	}
}
