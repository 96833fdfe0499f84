package e2e

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/testsupport"
)

// serveIssuer starts `runner serve --oauth-issuer` on 127.0.0.1:0 with tokens that live
// lifetime, and returns its base URL and its stderr (one line per issued token, never the token).
func serveIssuer(t *testing.T, secret, lifetime string) (string, *testsupport.Buffer) {
	t.Helper()
	cmd := exec.Command(runnerBin, "serve", "--addr", "127.0.0.1:0", "--oauth-issuer", "--oauth-client-id", "e2e-client", "--token-lifetime", lifetime)
	cmd.Env = append(config.WithoutEnv(os.Environ()), "CALLCONF_OAUTH_CLIENT_SECRET="+secret)
	stderr := &testsupport.Buffer{}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(out)
	if !sc.Scan() {
		t.Fatalf("serve printed no URL:\n%s", stderr)
	}
	base, ok := strings.CutPrefix(sc.Text(), "listening on ")
	if !ok {
		t.Fatalf("serve's first line %q", sc.Text())
	}
	go func() { _, _ = bufio.NewReader(out).WriteTo(new(bytes.Buffer)) }()
	return base, stderr
}

// tokenPrefix starts every token the loopback issuer gives out: its JWT header.
var tokenPrefix = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "."

// TestExpiringTokens runs the suite with --strict against `serve --oauth-issuer` whose tokens live
// 2 s, far shorter than the run, once with --token-command and once with client credentials: both
// pass, the issuer gave out more than one token (a refresh happened mid-run), and no output or
// report holds an issued token or the client secret.
func TestExpiringTokens(t *testing.T) {
	const secret = "e2e-CLIENT-SECRET-5b7e-do-not-print"
	base, serveLog := serveIssuer(t, secret, "2s")
	tokenURL := base + "/oauth2/v2.0/token"
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	command := runnerBin + " token --oauth-token-url " + tokenURL + " --oauth-client-id e2e-client --oauth-client-secret-file " + secretFile
	for _, tc := range []struct {
		name string
		env  []string
		args []string
	}{
		{"token command", nil, []string{"--token-command", command}},
		{"client credentials", []string{"CALLCONF_OAUTH_CLIENT_SECRET=" + secret}, []string{"--oauth-token-url", tokenURL, "--oauth-client-id", "e2e-client", "--oauth-scope", "api://callconf/.default"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := strings.Count(serveLog.String(), "issued a token")
			dir := t.TempDir()
			r := run(t, 3*time.Minute, tc.env, append([]string{"--base-url", base, "--strict", "--report-dir", dir}, tc.args...)...)
			if r.code != 0 {
				t.Fatalf("want exit 0 with expiring tokens:\n%s\n--- serve ---\n%s", r, tail(serveLog.String(), 2000))
			}
			issued := strings.Count(serveLog.String(), "issued a token") - before
			if issued < 2 {
				t.Errorf("%d tokens issued during a %s run of 2 s tokens: no refresh happened", issued, r.elapsed)
			}
			t.Logf("%s: %d tokens issued in %s", tc.name, issued, r.elapsed.Round(time.Millisecond))
			searchArtifacts(t, r, dir, tokenPrefix, secret)
		})
	}
}

// searchArtifacts fails the test when stdout, stderr or any report file in dir holds a secret.
func searchArtifacts(t *testing.T, r result, dir string, secrets ...string) {
	t.Helper()
	outputs := map[string]string{"stdout": r.stdout, "stderr": r.stderr}
	// Every file under the report directory, those in replay/ (failing generated cases) too.
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return err
	})
	if err != nil || len(files) < 4 {
		t.Fatalf("report files: %v %v", files, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, f)
		outputs[rel] = string(b)
	}
	for name, text := range outputs {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s contains a secret (%s…)", name, s[:8])
			}
		}
	}
}

// TestTokenCommandFailureIsAConfigurationError: a token command that fails at start ends the run
// with exit 2 and its cause, its standard error quoted with the token it printed redacted.
func TestTokenCommandFailureIsAConfigurationError(t *testing.T) {
	base := serveReference(t, "", nil)
	script := filepath.Join(t.TempDir(), "mint.sh")
	// The configuration (printed at start) names the script, not what it prints.
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho half-printed-TOKEN-31\necho 'login expired for half-printed-TOKEN-31' >&2\nexit 4\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	r := run(t, time.Minute, nil, "--base-url", base, "--token-command", script)
	if r.code != 2 {
		t.Fatalf("want exit 2:\n%s", r)
	}
	want := "callconf: configuration error: no bearer token from --token-command: the command failed (exit status 4); its standard error ends: login expired for [REDACTED]"
	if !strings.Contains(r.stderr, want) || strings.Contains(r.stdout+r.stderr, "half-printed-TOKEN") {
		t.Fatalf("want %q:\n%s", want, r)
	}
}
