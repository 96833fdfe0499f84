package config

import (
	"flag"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestEverySettingIsComplete holds the promise of the settings table: a setting declared there
// (one line in settings(), plus its validation) gets a flag, an environment variable, a
// config-file key, a default, a line in String and an entry in Env, and the three sources read
// the same text into the same value. A new setting needs only a sample value here (and, when it
// is valid only beside others, those others in companions).
func TestEverySettingIsComplete(t *testing.T) {
	dir := t.TempDir()
	ca := writeTestCA(t, dir)
	oauth := map[string]string{"CALLCONF_OAUTH_TOKEN_URL": "https://login.example/token", "CALLCONF_OAUTH_CLIENT_ID": "app-1", EnvOAuthClientSecret: "s3cret"}
	without := func(m map[string]string, key string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			if k != key {
				out[k] = v
			}
		}
		return out
	}
	// One valid, non-default value per setting, as flag or environment text and as YAML.
	samples := map[string]struct{ text, yaml string }{
		keyBaseURL:           {"https://x.example/v1.0", "https://x.example/v1.0"},
		keyToken:             {secretToken, ""},
		keyHeader:            {"X-A=1", "[X-A=1]"},
		keySecretHeader:      {"X-Api-Key", "X-Api-Key"},
		keyCallID:            {"call-1", "[call-1]"},
		keyDisposableCalls:   {"true", "true"},
		keyCapabilities:      {"read,delete", "read,delete"},
		keyTimeout:           {"3s", "3s"},
		keyDeadline:          {"1m0s", "1m0s"},
		keyRetryMaxWait:      {"5s", "5s"},
		keyRetryBudget:       {"1m0s", "1m0s"},
		keyRetryMaxAttempts:  {"3", "3"},
		keyCAFile:            {ca, ca},
		keyInsecure:          {"true", "true"},
		keyStrict:            {"true", "true"},
		keyConcurrency:       {"9", "9"},
		keyReportDir:         {dir, dir},
		keyMaxResponseBytes:  {"1MiB", "1MiB"},
		keyProcs:             {"4", "4"},
		keyRateLimit:         {"2.5", "2.5"},
		keyMaxInFlight:       {"6", "6"},
		keyTokenCommand:      {"echo tok", "echo tok"},
		keyTokenRefresh:      {"5m0s", "5m0s"},
		keyOAuthTokenURL:     {"https://login.example/t2", "https://login.example/t2"},
		keyOAuthClientID:     {"app-2", "app-2"},
		keyOAuthScope:        {"api://x/.default", "[api://x/.default]"},
		keyOAuthSecret:       {"s3cret-2", ""},
		keyGenerate:          {"7", "7"},
		keyGenerateSeed:      {"99", "99"},
		keyGenerateShrink:    {"12", "12"},
		keyGenerateMaxString: {"64", "64"},
		keyGenerateSeeds:     {"3", "3"},
		keyShard:             {"2/3", "2/3"},
	}
	// The settings valid only beside others, and those others as environment entries.
	companions := map[string]map[string]string{
		keyTokenRefresh:  {"CALLCONF_TOKEN_COMMAND": "echo tok"},
		keyOAuthTokenURL: without(oauth, "CALLCONF_OAUTH_TOKEN_URL"),
		keyOAuthClientID: without(oauth, "CALLCONF_OAUTH_CLIENT_ID"),
		keyOAuthScope:    oauth,
		keyOAuthSecret:   without(oauth, EnvOAuthClientSecret),
	}
	// Settings Load reads into other settings; their own tests cover them.
	resolved := []string{keyConfig, keyTokenFile, keyOAuthSecretFile}

	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	Bind(fs)
	def := Default()
	defLines := lines(def.String())
	seen := map[string]bool{}
	for i, s := range settings() {
		for _, name := range []string{"key " + s.key, "env " + s.env, "file " + s.file} {
			if seen[name] && name != "file " {
				t.Errorf("%s is declared twice", name)
			}
			seen[name] = true
		}
		if !strings.HasPrefix(s.env, EnvPrefix) {
			t.Errorf("%s: env %q lacks the prefix %s", s.key, s.env, EnvPrefix)
		}
		if f := fs.Lookup(s.key); (f != nil) == (s.secret != nil) {
			t.Errorf("%s: flag registered = %v, a secret = %v", s.key, f != nil, s.secret != nil)
		} else if f != nil && (s.usage == "" || !strings.Contains(f.Usage, s.env)) {
			t.Errorf("%s: flag usage %q lacks a text or the variable", s.key, f.Usage)
		}
		if s.file == "" && s.key != keyConfig && s.key != keyToken && s.key != keyOAuthSecret {
			t.Errorf("%s has no config-file key", s.key)
		}
		if want := s.key + ": " + s.field.show(def) + " (default)"; i >= len(defLines) || defLines[i] != want {
			t.Errorf("String() of the default: line %d is not %q", i, want)
		}
		if s.resolved != slices.Contains(resolved, s.key) {
			t.Errorf("%s: resolved = %v", s.key, s.resolved)
		}
		if s.resolved {
			continue
		}
		if _, ok := s.field.export(def); ok {
			t.Errorf("%s: Env() passes on the default", s.key)
		}

		sample, ok := samples[s.key]
		if !ok {
			t.Errorf("setting %q has no sample value in this test: add one", s.key)
			continue
		}
		withEnv := func(m map[string]string) map[string]string {
			out := map[string]string{}
			for k, v := range companions[s.key] {
				out[k] = v
			}
			for k, v := range m {
				out[k] = v
			}
			return out
		}
		fromEnv := mustLoad(t, nil, withEnv(map[string]string{s.env: sample.text}))
		line := func(c Config) string { return strings.TrimSuffix(lines(c.String())[i], " ("+c.Source(s.key)+")") }
		if line(fromEnv) == line(def) {
			t.Errorf("%s: the sample %q reads as the default", s.key, sample.text)
		}
		if s.secret == nil {
			if got := mustLoad(t, []string{"--" + s.key + "=" + sample.text}, withEnv(nil)); line(got) != line(fromEnv) {
				t.Errorf("%s: flag gives %q, env %q", s.key, line(got), line(fromEnv))
			}
		}
		if s.file != "" {
			file := writeFile(t, "c.yaml", s.file+": "+sample.yaml+"\n")
			if got := mustLoad(t, []string{"--config", file}, withEnv(nil)); line(got) != line(fromEnv) {
				t.Errorf("%s: file gives %q, env %q", s.key, line(got), line(fromEnv))
			}
		}
		env := map[string]string{}
		for _, kv := range fromEnv.Env() {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		if _, ok := env[s.env]; !ok || len(env) != 1+len(companions[s.key]) {
			t.Errorf("%s: Env() = %q, want exactly %s and the companion settings", s.key, fromEnv.Env(), s.env)
		}
		if again := mustLoad(t, nil, env); line(again) != line(fromEnv) {
			t.Errorf("%s: through Env() %q, want %q", s.key, line(again), line(fromEnv))
		}
	}
}

func lines(s string) []string { return strings.Split(strings.TrimSuffix(s, "\n"), "\n") }

// TestFlagUsageShowsDefaults: the flag help shows each non-zero default, taken from the table.
func TestFlagUsageShowsDefaults(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	Bind(fs)
	var b strings.Builder
	fs.SetOutput(&b)
	fs.PrintDefaults()
	for _, want := range []string{"(default 10s)", "(default 10m0s)", "(default 8)", "(default 4MiB)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("usage lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "(default false)") {
		t.Errorf("usage shows a false default:\n%s", b.String())
	}
	fs.SetOutput(io.Discard)
}

// TestEnvKeepsCommasInSingleItems: one header or call id that holds a comma survives Env().
func TestEnvKeepsCommasInSingleItems(t *testing.T) {
	c := mustLoad(t, []string{"--header", "X-A=1, 2", "--call-id", "a,b", "--report-dir", "rel"}, nil)
	env := map[string]string{}
	for _, kv := range c.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	if !filepath.IsAbs(env["CALLCONF_REPORT_DIR"]) {
		t.Errorf("relative path passed on as %q", env["CALLCONF_REPORT_DIR"])
	}
	c2 := mustLoad(t, nil, env)
	if !slices.Equal(c2.CallIDs, []string{"a,b"}) || len(c2.Headers) != 1 || c2.Headers[0].Value != "1, 2" {
		t.Errorf("through Env(): %q %q", c2.CallIDs, c2.Headers)
	}
}
