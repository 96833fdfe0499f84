package config

import (
	"strings"
)

// CommandLine is a configuration written as a POSIX sh command line for another run of the
// harness (a re-run of one spec): Env goes before the command, Flags after it. Both are shell
// words, quoted where needed, to be joined with spaces. No secret value is ever written: a
// secret is read, by name, from the environment of the shell the line is pasted into.
type CommandLine struct {
	// Env assigns each secret that has no flag from the variable of the same name, e.g.
	// CALLCONF_TOKEN="${CALLCONF_TOKEN:?set it to the bearer token}": exported or not, the
	// variable reaches the harness, and the shell refuses to run the line when it is unset.
	Env []string `json:"env,omitempty"`
	// Flags are the flags of every setting that differs from its default, in the order of the
	// settings table.
	Flags []string `json:"flags,omitempty"`
}

// Args writes the configuration as the command line of another run that judges the target
// exactly as this one did: every setting that differs from its default, as flags (paths made
// absolute), except three that do not change what is judged and that a re-run must not repeat:
// the config file (its values are written out as flags instead), --report-dir (a re-run would
// overwrite this run's reports) and --procs (how the specs are shared out). Against the
// embedded reference the token settings are left out too: it makes its own token. Secrets are
// never written: the token and the OAuth client secret come from their files (--token-file,
// --oauth-client-secret-file) when the run read them from one, else from the variables
// CALLCONF_TOKEN and CALLCONF_OAUTH_CLIENT_SECRET of the shell the line is pasted into; the
// value of a secret header from the variable SecretHeaderVar names.
func (c Config) Args() CommandLine {
	var cl CommandLine
	for _, s := range settings() {
		if !rerunNeeds(c, s) {
			continue
		}
		switch {
		case s.secret != nil: // the token, the OAuth client secret: never a flag
			if _, file := s.secret.fields(&c); *file == "" {
				if _, set := s.field.export(c); set {
					cl.Env = append(cl.Env, s.env+`="${`+s.env+`:?set it to the `+s.secret.phrase+`}"`)
				}
			}
		case s.key == keyHeader:
			for _, h := range c.Headers {
				if c.IsSecretHeader(h.Name) {
					cl.Flags = append(cl.Flags, "--"+s.key, ShellQuote(h.Name+"=")+`"${`+SecretHeaderVar(h.Name)+`:?set it to the value of header `+h.Name+`}"`)
				} else {
					cl.Flags = append(cl.Flags, "--"+s.key, ShellQuote(h.Name+"="+h.Value))
				}
			}
		default:
			v, set := s.field.export(c)
			if !set {
				continue
			}
			switch s.field.kind() {
			case kindBool:
				if v == "true" {
					cl.Flags = append(cl.Flags, "--"+s.key)
				} else {
					cl.Flags = append(cl.Flags, "--"+s.key+"="+v)
				}
			case kindList:
				// Env's encoding: one item a line (no item can hold a line break).
				for _, item := range strings.Split(v, "\n") {
					if item != "" {
						cl.Flags = append(cl.Flags, "--"+s.key, ShellQuote(item))
					}
				}
			default:
				cl.Flags = append(cl.Flags, "--"+s.key, ShellQuote(v))
			}
		}
	}
	return cl
}

// rerunNeeds reports whether setting s belongs on a re-run's command line (see Args): not the
// run's own bookkeeping, and nothing that only a --base-url target means (the embedded
// reference makes its own token; CheckTarget refuses the rest without a base URL).
func rerunNeeds(c Config, s setting) bool {
	switch s.key {
	case keyConfig, keyReportDir, keyProcs, keyShard:
		return false
	}
	return !(c.Embedded() && s.remote)
}

// secretViaFile reports whether key is a secret that was read from its file (whose setting
// then stands for it: in messages, on command lines).
func (c Config) secretViaFile(key string) bool {
	s := lookupSetting(key)
	if s.secret == nil {
		return false
	}
	_, viaFile := c.sources[s.secret.file]
	return viaFile
}

// SecretHeaderVar names the shell variable that command lines printed for a person (re-run and
// curl lines) read the value of secret header name from: HEADER_ and the name in upper case,
// every character other than a letter or digit written as '_' (X-Api-Key: HEADER_X_API_KEY).
// It deliberately lacks the CALLCONF_ prefix: it is the shell's, never read by the harness.
func SecretHeaderVar(name string) string {
	return "HEADER_" + strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, name)
}

// ShellQuote quotes s as one POSIX sh word: as is when it holds only characters no shell treats
// specially, else in single quotes (a quote inside ends them, is escaped, and opens them again).
func ShellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@,+%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
