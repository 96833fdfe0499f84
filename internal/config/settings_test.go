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
// the same text into the same value. A new setting needs only a sample value here.
func TestEverySettingIsComplete(t *testing.T) {
	dir := t.TempDir()
	ca := writeTestCA(t, dir)
	// One valid, non-default value per setting, as flag or environment text and as YAML.
	samples := map[string]struct{ text, yaml string }{
		keyBaseURL:          {"https://x.example/v1.0", "https://x.example/v1.0"},
		keyToken:            {secretToken, ""},
		keyHeader:           {"X-A=1", "[X-A=1]"},
		keySecretHeader:     {"X-Api-Key", "X-Api-Key"},
		keyCallID:           {"call-1", "[call-1]"},
		keyCapabilities:     {"read,delete", "read,delete"},
		keyTimeout:          {"3s", "3s"},
		keyDeadline:         {"1m0s", "1m0s"},
		keyRetryMaxWait:     {"5s", "5s"},
		keyRetryBudget:      {"1m0s", "1m0s"},
		keyCAFile:           {ca, ca},
		keyInsecure:         {"true", "true"},
		keyStrict:           {"true", "true"},
		keyConcurrency:      {"9", "9"},
		keyReportDir:        {dir, dir},
		keyMaxResponseBytes: {"1MiB", "1MiB"},
	}
	// Settings Load reads into other settings; their own tests cover them.
	resolved := []string{keyConfig, keyTokenFile}

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
		if f := fs.Lookup(s.key); (f != nil) == s.noFlag {
			t.Errorf("%s: flag registered = %v, noFlag = %v", s.key, f != nil, s.noFlag)
		} else if f != nil && (s.usage == "" || !strings.Contains(f.Usage, s.env)) {
			t.Errorf("%s: flag usage %q lacks a text or the variable", s.key, f.Usage)
		}
		if s.file == "" && s.key != keyConfig && s.key != keyToken {
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
		fromEnv := mustLoad(t, nil, map[string]string{s.env: sample.text})
		line := func(c Config) string { return strings.TrimSuffix(lines(c.String())[i], " ("+c.Source(s.key)+")") }
		if line(fromEnv) == line(def) {
			t.Errorf("%s: the sample %q reads as the default", s.key, sample.text)
		}
		if !s.noFlag {
			if got := mustLoad(t, []string{"--" + s.key + "=" + sample.text}, nil); line(got) != line(fromEnv) {
				t.Errorf("%s: flag gives %q, env %q", s.key, line(got), line(fromEnv))
			}
		}
		if s.file != "" {
			file := writeFile(t, "c.yaml", s.file+": "+sample.yaml+"\n")
			if got := mustLoad(t, []string{"--config", file}, nil); line(got) != line(fromEnv) {
				t.Errorf("%s: file gives %q, env %q", s.key, line(got), line(fromEnv))
			}
		}
		env := map[string]string{}
		for _, kv := range fromEnv.Env() {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		if _, ok := env[s.env]; !ok || len(env) != 1 {
			t.Errorf("%s: Env() = %q, want exactly %s", s.key, fromEnv.Env(), s.env)
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
