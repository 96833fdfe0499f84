package sdk

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	kiotaauth "github.com/microsoft/kiota-authentication-azure-go"
	msgraph "github.com/microsoftgraph/msgraph-sdk-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
)

// staticToken is an azcore.TokenCredential that always hands out the same token: all the SDK
// needs to authenticate against `runner serve --token-file`.
type staticToken string

func (s staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(s), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// runnerBin is the runner binary built from the main module by TestMain.
var runnerBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "callconf-sdk-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	runnerBin = filepath.Join(dir, "runner")
	build := exec.Command("go", "build", "-o", runnerBin, "./runner")
	build.Dir = filepath.Join("..", "..")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "building the runner: %v\n", err)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// process is a runner subcommand running in the background, its stdout lines on a channel.
type process struct {
	cmd    *exec.Cmd
	url    string
	lines  chan string
	stderr *strings.Builder
	mu     *sync.Mutex
}

// start runs `runner args...` without any CALLCONF_ variable of the test's environment and
// waits for its "listening on URL" line.
func start(t *testing.T, args ...string) *process {
	t.Helper()
	cmd := exec.Command(runnerBin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CALLCONF_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, lines: make(chan string, 1024), stderr: &strings.Builder{}, mu: &sync.Mutex{}}
	cmd.Stderr = writerFunc(func(b []byte) (int, error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.stderr.Write(b)
	})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	select {
	case line := <-p.lines:
		url, ok := strings.CutPrefix(line, "listening on ")
		if !ok {
			t.Fatalf("runner %s: first line %q; stderr:\n%s", args[0], line, p.errText())
		}
		p.url = url
	case <-time.After(30 * time.Second):
		t.Fatalf("runner %s printed no URL; stderr:\n%s", args[0], p.errText())
	}
	return p
}

func (p *process) errText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// stop sends SIGTERM and returns the exit code and the rest of stdout.
func (p *process) stop(t *testing.T) (int, []string) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var rest []string
	for l := range p.lines {
		rest = append(rest, l)
	}
	err := p.cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), rest
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, rest
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// newClient is a Graph SDK client whose requests go to base (the proxy) with token, as a user
// points their own client at the proxy: the host is allowed to receive the token, and the base
// URL replaces https://graph.microsoft.com/v1.0.
func newClient(t *testing.T, base, token string) *msgraph.GraphServiceClient {
	t.Helper()
	auth, err := kiotaauth.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(staticToken(token),
		[]string{"https://graph.microsoft.com/.default"}, []string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	adapter, err := msgraph.NewGraphRequestAdapter(auth)
	if err != nil {
		t.Fatal(err)
	}
	adapter.SetBaseUrl(base + "/v1.0")
	return msgraph.NewGraphServiceClient(adapter)
}

// odataError checks that err is an ODataError with a code and a request-id, and returns its code.
func odataError(t *testing.T, what string, err error) string {
	t.Helper()
	var oe *odataerrors.ODataError
	if !errors.As(err, &oe) {
		t.Fatalf("%s: want an ODataError, got %T: %v", what, err, err)
	}
	main := oe.GetErrorEscaped()
	if main == nil || main.GetCode() == nil || *main.GetCode() == "" {
		t.Fatalf("%s: the ODataError has no code", what)
	}
	inner := main.GetInnerError()
	if inner == nil || inner.GetRequestId() == nil || *inner.GetRequestId() == "" {
		t.Errorf("%s: the ODataError has no innerError.request-id", what)
	}
	if h := oe.GetResponseHeaders(); h == nil || len(h.Get("request-id")) == 0 {
		t.Errorf("%s: the answer has no request-id header", what)
	}
	return *main.GetCode()
}

func ptr[T any](v T) *T { return &v }

func TestGraphSDKThroughProxy(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	const token = "sdk-e2e-token-0123456789"
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	serve := start(t, "serve", "--addr", "127.0.0.1:0", "--base-path", "/v1.0", "--token-file", tokenFile)
	reports := filepath.Join(dir, "reports")
	proxy := start(t, "proxy", "--listen", "127.0.0.1:0", "--base-url", serve.url, "--report-dir", reports, "--fail-on", "should")
	client := newClient(t, proxy.url, token)

	// Create.
	call := models.NewCall()
	call.SetSubject(ptr("callconf SDK e2e"))
	call.SetCallbackUri(ptr("https://bot.example.com/callback"))
	call.SetRequestedModalities([]models.Modality{models.AUDIO_MODALITY})
	call.SetMediaConfig(models.NewServiceHostedMediaConfig())
	created, err := client.Communications().Calls().Post(ctx, call, nil)
	if err != nil {
		t.Fatalf("create: %v", describe(err))
	}
	id := created.GetId()
	if id == nil || *id == "" {
		t.Fatal("create: no id")
	}

	// Update: a non-ASCII subject and several modalities.
	subject := "Überprüfung — 会議 🎧 مرحبا e\u0301"
	update := models.NewCall()
	update.SetSubject(ptr(subject))
	update.SetRequestedModalities([]models.Modality{models.AUDIO_MODALITY, models.VIDEO_MODALITY, models.VIDEOBASEDSCREENSHARING_MODALITY})
	patched, err := client.Communications().Calls().ByCallId(*id).Patch(ctx, update, nil)
	if err != nil {
		t.Fatalf("PATCH: %v", describe(err))
	}
	if got := patched.GetSubject(); got == nil || *got != subject {
		t.Errorf("PATCH answered subject %v, want %q", deref(got), subject)
	}
	if got := patched.GetRequestedModalities(); len(got) != 3 {
		t.Errorf("PATCH answered modalities %v", got)
	}

	// Read back, then delete.
	read, err := client.Communications().Calls().ByCallId(*id).Get(ctx, nil)
	if err != nil {
		t.Fatalf("GET: %v", describe(err))
	}
	if got := read.GetSubject(); got == nil || *got != subject {
		t.Errorf("GET answered subject %v, want %q", deref(got), subject)
	}
	if err := client.Communications().Calls().ByCallId(*id).Delete(ctx, nil); err != nil {
		t.Fatalf("DELETE: %v", describe(err))
	}

	// A 404 and a 401 reach the SDK as ODataError, with a code and a request-id.
	_, err = client.Communications().Calls().ByCallId(*id).Get(ctx, nil)
	if code := odataError(t, "GET after DELETE", err); code == "" {
		t.Error("404 without code")
	}
	_, err = newClient(t, proxy.url, "a-wrong-token").Communications().Calls().ByCallId(*id).Get(ctx, nil)
	odataError(t, "GET with a wrong token", err)

	code, rest := proxy.stop(t)
	var exchanges []string
	for _, l := range rest {
		if strings.HasPrefix(l, "#") {
			exchanges = append(exchanges, l)
		}
	}
	// The proxy judges off the hot path, so its lines come in the order judging ended; each
	// names its exchange's number ("#3"), which orders them as they were sent.
	number := func(l string) int {
		n, _ := strconv.Atoi(strings.TrimPrefix(strings.Fields(l)[0], "#"))
		return n
	}
	slices.SortFunc(exchanges, func(a, b string) int { return number(a) - number(b) })
	log := strings.Join(rest, "\n")
	if code != 0 {
		t.Errorf("the proxy exited %d, want 0 (no finding at --fail-on should); stdout:\n%s\nstderr:\n%s", code, log, proxy.errText())
	}
	// One round trip per SDK call: the gzipped POST and PATCH bodies were accepted the first time.
	wantMethods := []string{"POST", "PATCH", "GET", "DELETE", "GET", "GET"}
	if len(exchanges) != len(wantMethods) {
		t.Fatalf("the proxy saw %d exchanges, want %d (one per SDK call):\n%s", len(exchanges), len(wantMethods), log)
	}
	wantStatus := []string{"201", "200", "200", "204", "404", "401"}
	for i, l := range exchanges {
		f := strings.Fields(l)
		if len(f) < 6 || f[1] != wantMethods[i] || f[3] != wantStatus[i] || !strings.HasSuffix(l, " 0 findings") {
			t.Errorf("exchange %d: %q, want %s answered %s with 0 findings", i+1, l, wantMethods[i], wantStatus[i])
		}
	}

	var c struct {
		Conforms     bool
		Requests     int
		Requirements []struct {
			ID, Outcome   string
			Specs         int
			Failures      []json.RawMessage
			Inconclusives []json.RawMessage `json:"inconclusive"`
		}
	}
	b, err := os.ReadFile(filepath.Join(reports, "conformance.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	if !c.Conforms || c.Requests != len(wantMethods) {
		t.Errorf("conformance.json: conforms %v, %d requests", c.Conforms, c.Requests)
	}
	judged := map[string]int{}
	for _, r := range c.Requirements {
		judged[r.ID] = r.Specs
		if r.Outcome == "failed" || r.Outcome == "inconclusive" {
			t.Errorf("%s %s: %s %s", r.ID, r.Outcome, r.Failures, r.Inconclusives)
		}
	}
	// Every exchange was judged; the PATCH by its request and its answer.
	if judged["HTTP-01"] != len(wantMethods) || judged["PATCH-01"] != 1 || judged["PATCH-04"] != 1 || judged["ERR-10"] != 1 || judged["ERR-06"] != 2 ||
		judged["HTTP-02"] != len(wantMethods) { // the SDK sends a client-request-id with every request
		t.Errorf("exchanges judged per requirement: %v", judged)
	}
	if strings.Contains(log+proxy.errText()+string(b), token) {
		t.Error("the token appears in the proxy's output or report")
	}
	if code, _ := serve.stop(t); code != 0 {
		t.Errorf("serve exited %d", code)
	}
}

func describe(err error) string {
	var oe *odataerrors.ODataError
	if errors.As(err, &oe) && oe.GetErrorEscaped() != nil {
		return fmt.Sprintf("ODataError %d %s: %s", oe.GetStatusCode(), deref(oe.GetErrorEscaped().GetCode()), deref(oe.GetErrorEscaped().GetMessage()))
	}
	return err.Error()
}

func deref(s *string) string {
	if s == nil {
		return "(nil)"
	}
	return *s
}

var _ io.Writer = writerFunc(nil)
