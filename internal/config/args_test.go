package config

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// shellArgs runs the command line with sh the way a pasted line would run: env is the shell's
// environment, and the line runs `env -0` (what the harness would see in its environment) then
// prints each flag word NUL-terminated. It returns the CALLCONF_* environment and the argv.
func shellArgs(t *testing.T, cl CommandLine, env []string) (map[string]string, []string, error) {
	t.Helper()
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("sh not installed")
	}
	script := strings.Join(append(slices.Clone(cl.Env), "env -0 && printf '\\001' && printf '%s\\000'"), " ")
	if len(cl.Flags) > 0 {
		script += " " + strings.Join(cl.Flags, " ")
	}
	cmd := exec.Command("sh", "-c", script)
	cmd.Env = append(WithoutEnv(os.Environ()), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, nil, &exec.ExitError{ProcessState: cmd.ProcessState, Stderr: stderr.Bytes()}
	}
	envPart, argPart, _ := bytes.Cut(out, []byte{1})
	got := map[string]string{}
	for _, kv := range strings.Split(string(envPart), "\x00") {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, EnvPrefix) {
			got[k] = v
		}
	}
	var argv []string
	if len(argPart) > 0 && len(cl.Flags) > 0 {
		argv = strings.Split(strings.TrimSuffix(string(argPart), "\x00"), "\x00")
	}
	return got, argv, nil
}

// TestArgsReproduceTheRun: the command line Args writes, run by sh with the secrets in the
// shell's environment (not exported: plain variables do too), loads a configuration equal to
// the run's in every setting a re-run needs, and holds no secret value.
func TestArgsReproduceTheRun(t *testing.T) {
	dir := t.TempDir()
	ca := writeTestCA(t, dir)
	secretFile := writeFile(t, "secret", "client-secret-Q7\n")
	cfgFile := writeFile(t, "c.yaml", "timeout: 4s\nheaders:\n  X-From-File: \"it's $HOME `x`\"\n")
	const headerSecret = "hdr-SECRET-91"
	cases := map[string]struct {
		args  []string
		env   map[string]string
		shell []string // the environment of the shell the line is pasted into
	}{
		"token from the environment, every kind of setting": {
			args: []string{"--config", cfgFile, "--base-url", "https://x.example/v1.0/", "--header", "X-A=1, 2", "--header", "X-Key=" + headerSecret,
				"--secret-header", "X-Key", "--call-id", "c,1", "--call-id", "c 2", "--capabilities", "none",
				"--deadline", "1m", "--ca-file", ca, "--insecure-skip-tls-verify", "--strict",
				"--concurrency", "9", "--report-dir", dir, "--max-response-bytes", "1MiB", "--procs", "3",
				"--retry-max-wait", "5s", "--retry-budget", "1m", "--rate-limit", "2.5", "--max-in-flight", "4"},
			env:   map[string]string{"CALLCONF_TOKEN": secretToken},
			shell: []string{"CALLCONF_TOKEN=" + secretToken, "HEADER_X_KEY=" + headerSecret},
		},
		"token file and OAuth client secret file": {
			args: []string{"--base-url", "http://127.0.0.1:9", "--oauth-token-url", "https://login.example/token", "--oauth-client-id", "app",
				"--oauth-scope", "a/.default", "--oauth-client-secret-file", secretFile, "--token-refresh-interval", "1m"},
		},
		"OAuth client secret from the environment": {
			args:  []string{"--base-url", "http://127.0.0.1:9", "--oauth-token-url", "https://login.example/token", "--oauth-client-id", "app"},
			env:   map[string]string{EnvOAuthClientSecret: "client-secret-Q7"},
			shell: []string{EnvOAuthClientSecret + "=client-secret-Q7"},
		},
		"token command": {
			args: []string{"--base-url", "http://127.0.0.1:9", "--token-command", `printf '%s' "$X" | tr -d '\n'`},
		},
		"token file": {
			args: []string{"--base-url", "http://127.0.0.1:9", "--token-file", secretFile, "--capabilities", "create,read"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			want := mustLoad(t, tc.args, tc.env)
			cl := want.Args()
			line := strings.Join(append(slices.Clone(cl.Env), cl.Flags...), " ")
			for _, s := range append(want.Secrets(), "client-secret-Q7") {
				if strings.Contains(line, s) {
					t.Fatalf("the command line holds a secret: %s", line)
				}
			}
			env, argv, err := shellArgs(t, cl, tc.shell)
			if err != nil {
				t.Fatalf("sh: %v: %s\n%s", err, err.(*exec.ExitError).Stderr, line)
			}
			got := mustLoad(t, argv, env)
			// What Args leaves out on purpose, and what only says where a value came from.
			for _, c := range []*Config{&want, &got} {
				c.sources, c.ConfigFile, c.ReportDir, c.Procs = nil, "", "", 0
			}
			if !reflect.DeepEqual(want, got) {
				t.Errorf("re-run configuration differs:\n%s\nrun:    %#v\nre-run: %#v", line, want, got)
			}
		})
	}
}

// TestArgsRefuseToRunWithoutTheSecrets: pasted into a shell that lacks a secret, the line
// stops with a message naming the variable instead of running without it (a run without the
// token would judge another target behaviour).
func TestArgsRefuseToRunWithoutTheSecrets(t *testing.T) {
	c := mustLoad(t, []string{"--base-url", "http://127.0.0.1:9", "--header", "X-Key=v", "--secret-header", "x-key"},
		map[string]string{"CALLCONF_TOKEN": secretToken})
	cl := c.Args()
	for shell, want := range map[string]string{
		"HEADER_X_KEY=v":                  "CALLCONF_TOKEN: set it to the bearer token",
		"CALLCONF_TOKEN=" + secretToken:   "HEADER_X_KEY: set it to the value of header X-Key",
		"CALLCONF_TOKEN=\nHEADER_X_KEY=v": "CALLCONF_TOKEN: set it to the bearer token",
	} {
		_, _, err := shellArgs(t, cl, strings.Split(shell, "\n"))
		if err == nil || !strings.Contains(string(err.(*exec.ExitError).Stderr), want) {
			t.Errorf("shell with %q: err %v, want a message with %q", shell, err, want)
		}
	}
}

func TestArgsOfTheDefaultsAndTheEmbeddedReference(t *testing.T) {
	if cl := mustLoad(t, nil, nil).Args(); len(cl.Env)+len(cl.Flags) != 0 {
		t.Errorf("defaults: %q", cl)
	}
	// The embedded reference makes its own token: a re-run needs none of the user's.
	c := mustLoad(t, []string{"--strict", "--timeout", "3s"}, map[string]string{"CALLCONF_TOKEN": secretToken})
	if cl := c.Args(); len(cl.Env) != 0 || !slices.Equal(cl.Flags, []string{"--timeout", "3s", "--strict"}) {
		t.Errorf("embedded: %q", cl)
	}
	dir := t.TempDir()
	ca := writeTestCA(t, dir)
	t.Chdir(dir)
	rel := mustLoad(t, []string{"--base-url", "http://h.example", "--ca-file", filepath.Base(ca)}, nil)
	if cl := rel.Args(); !slices.Equal(cl.Flags, []string{"--base-url", "http://h.example", "--ca-file", ShellQuote(ca)}) {
		t.Errorf("a relative path must be written absolute: %q", cl.Flags)
	}
}

func TestSecretHeaderVar(t *testing.T) {
	for in, want := range map[string]string{"X-Api-Key": "HEADER_X_API_KEY", "ocp-apim-subscription-key": "HEADER_OCP_APIM_SUBSCRIPTION_KEY", "a.b!c": "HEADER_A_B_C"} {
		if got := SecretHeaderVar(in); got != want {
			t.Errorf("SecretHeaderVar(%q) = %q, want %q", in, got, want)
		}
	}
}
