package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// notSettings are CALLCONF_* variables the project uses that are not harness settings: the proxy
// benchmark's (scripts/bench-proxy.sh), read by a test, never by the runner. They are allowed so
// that a shell that ran the benchmark can still run the harness.
var notSettings = []string{"CALLCONF_BENCH_PROXY", "CALLCONF_BENCH_PROXY_PID", "CALLCONF_BENCH_TARGET", "CALLCONF_BENCH_TARGET_PID"}

// CheckEnviron reports every CALLCONF_* variable of environ ("KEY=value" entries, as os.Environ
// returns them) that is not a setting, with the closest setting's variable when one is near: a
// misspelt CALLCONF_BASE_ULR must not quietly leave the run on the embedded reference.
func CheckEnviron(environ []string) error {
	known := map[string]bool{}
	for _, s := range settings() {
		known[s.env] = true
	}
	var errs []error
	seen := map[string]bool{}
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, EnvPrefix) || known[name] || slices.Contains(notSettings, name) || seen[name] {
			continue
		}
		seen[name] = true
		msg := name + " is not a callconf setting"
		if s := closestKey(name, known); s != "" {
			msg += "; did you mean " + s + "?"
		}
		errs = append(errs, errors.New(msg+" (unset it; 'callconf help' lists the variables)"))
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errors.Join(errs...)
}

// CheckTarget reports settings that only make sense for a target given with --base-url (a
// token or a way to get one, call ids, capabilities, headers, TLS settings) when no base URL is
// set: the user asked for a target, and testing the embedded reference instead would pass.
func (c Config) CheckTarget() error {
	if !c.Embedded() {
		return nil
	}
	var given []string
	for _, s := range settings() {
		if c.secretViaFile(s.key) {
			continue // a secret read from a file is named once, as its file setting
		}
		if src, ok := c.sources[s.key]; ok && s.remote {
			given = append(given, src)
		}
	}
	if len(given) == 0 {
		return nil
	}
	return fmt.Errorf("no target is set (--base-url or CALLCONF_BASE_URL), but settings for a target are: %s; set the target's URL, or remove them to test the embedded reference", strings.Join(given, ", "))
}

// Variable is one setting's environment variable, for help texts.
type Variable struct {
	Name  string // CALLCONF_…
	Flag  string // the flag ("--timeout"), or "" for the secrets, which have none
	Usage string // what it sets
}

// Variables lists every setting's environment variable, in the order of the settings table.
func Variables() []Variable {
	var vs []Variable
	for _, s := range settings() {
		v := Variable{Name: s.env, Usage: s.usage}
		if s.secret == nil {
			v.Flag = "--" + s.key
		}
		vs = append(vs, v)
	}
	return vs
}

// Summary is the effective configuration in one line: the target, strictness, where the token
// comes from, and every other setting not at its default (secrets redacted). String is the full
// table.
func (c Config) Summary() string {
	target := "embedded reference"
	if !c.Embedded() {
		target = c.BaseURL
	}
	strict := "no"
	if c.Strict {
		strict = "yes"
	}
	tok := "none"
	switch {
	case c.Embedded():
		tok = "made by the embedded reference"
	case c.TokenSource() == "command":
		tok = "from --token-command"
	case c.TokenSource() == "oauth":
		tok = "OAuth client credentials from " + c.OAuthTokenURL
	case c.Token != "":
		tok = c.Source(keyToken)
	}
	parts := []string{"target: " + target, "strict: " + strict, "token: " + tok}
	for _, s := range settings() {
		if _, set := c.sources[s.key]; set && s.key != keyBaseURL && s.key != keyStrict && s.secret == nil {
			parts = append(parts, s.key+": "+s.field.show(c))
		}
	}
	return strings.Join(parts, "; ")
}
