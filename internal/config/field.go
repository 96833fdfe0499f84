package config

import (
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/callconf/callconf/internal/suggest"
)

// reportFunc reports one problem with a setting's value; the loader prefixes it with where the
// value came from (the flag, the variable or the config-file key).
type reportFunc func(format string, a ...any)

// flagKind says how a setting's flag takes its value.
type flagKind int

const (
	kindString flagKind = iota // the last value given wins
	kindList                   // repeatable: every value counts
	kindBool                   // takes no value
)

// field is the typed Config field behind a setting: its default, how a value from any source is
// read and validated into it, and how it is printed and passed on.
type field interface {
	kind() flagKind
	setDefault(c *Config)
	// load reads r into c, reporting every problem; on any problem c keeps its value.
	load(c *Config, r raw, report reportFunc)
	show(c Config) string           // the value as String prints it
	export(c Config) (string, bool) // the value as Env passes it on; false at the default
	defaultText() string            // the default as the flag's usage shows it; "" for a zero default
}

// codec reads one Go type from every source, and writes it back for String and Env.
type codec[T any] struct {
	kind flagKind
	// read parses a flag's values, an environment value or a decoded config-file value; it
	// reports each problem and returns what it could read.
	read   func(r raw, report reportFunc) T
	show   func(v T, c Config) string // nil = as encode writes it
	encode func(v T) string           // read parses it back from the environment
}

// typed binds a setting to one Config field.
type typed[T any] struct {
	ptr   func(*Config) *T
	codec codec[T]
	def   T
	check func(T, reportFunc) T // validates and may normalise; nil = the type says it all
}

// fieldOf declares a setting's field: where it lives in Config, its type, its default and its
// validation.
func fieldOf[T any](ptr func(*Config) *T, c codec[T], def T, check func(T, reportFunc) T) field {
	return typed[T]{ptr: ptr, codec: c, def: def, check: check}
}

func (f typed[T]) kind() flagKind { return f.codec.kind }

func (f typed[T]) setDefault(c *Config) { *f.ptr(c) = f.def }

func (f typed[T]) load(c *Config, r raw, report reportFunc) {
	failed := false
	rep := func(format string, a ...any) { failed = true; report(format, a...) }
	v := f.codec.read(r, rep)
	if f.check != nil {
		v = f.check(v, rep)
	}
	if !failed {
		*f.ptr(c) = v
	}
}

func (f typed[T]) show(c Config) string {
	if f.codec.show == nil {
		return f.codec.encode(*f.ptr(&c))
	}
	return f.codec.show(*f.ptr(&c), c)
}

func (f typed[T]) export(c Config) (string, bool) {
	v := f.codec.encode(*f.ptr(&c))
	return v, v != f.codec.encode(f.def)
}

func (f typed[T]) defaultText() string {
	if reflect.ValueOf(&f.def).Elem().IsZero() {
		return ""
	}
	return f.codec.encode(f.def)
}

// capabilitiesField is the one setting held in two fields: Capabilities and CapabilitiesSet.
type capabilitiesField struct{}

func (capabilitiesField) kind() flagKind { return kindString }

func (capabilitiesField) setDefault(c *Config) { c.Capabilities, c.CapabilitiesSet = nil, false }

func (capabilitiesField) load(c *Config, r raw, report reportFunc) {
	var items []string
	if r.fromFlag() {
		items = splitList(r.strs[len(r.strs)-1]) // one flag value, comma-separated
	} else {
		items = readList(r, false, report)
	}
	failed := false
	seen := map[string]bool{}
	for _, it := range items {
		it = strings.ToLower(it)
		if it == "none" && len(items) == 1 {
			continue
		}
		if !slices.Contains(Capabilities(), it) {
			msg := fmt.Sprintf("unknown capability %q (allowed: %s, or none)", it, strings.Join(Capabilities(), ", "))
			if s := suggest.Closest(it, Capabilities()); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			report("%s", msg)
			failed = true
			continue
		}
		seen[it] = true
	}
	if failed {
		return
	}
	c.CapabilitiesSet = true
	c.Capabilities = nil
	for _, name := range Capabilities() {
		if seen[name] {
			c.Capabilities = append(c.Capabilities, name)
		}
	}
}

func (capabilitiesField) show(c Config) string {
	switch {
	case !c.CapabilitiesSet:
		return "(auto-discover)"
	case len(c.Capabilities) == 0:
		return "(none)"
	}
	return strings.Join(c.Capabilities, ",")
}

func (capabilitiesField) export(c Config) (string, bool) {
	switch {
	case !c.CapabilitiesSet:
		return "", false
	case len(c.Capabilities) == 0:
		return "none", true
	}
	return strings.Join(c.Capabilities, ","), true
}

func (capabilitiesField) defaultText() string { return "" }

// The codecs, one per kind of value.

// text is a single string; none is what String prints for the empty string.
func text(none string) codec[string] {
	return codec[string]{
		kind: kindString,
		read: readText,
		show: func(v string, _ Config) string {
			if v == "" {
				return none
			}
			return v
		},
		encode: func(v string) string { return v },
	}
}

func readText(r raw, report reportFunc) string {
	if r.inFile {
		s, ok := r.file.(string)
		if !ok {
			report("expected a string, got %s", typeName(r.file))
			return ""
		}
		return strings.TrimSpace(s)
	}
	return strings.TrimSpace(r.strs[len(r.strs)-1])
}

// path is a file or directory name; a relative one in the config file is relative to the file's
// directory, and Env passes it on absolute.
func path() codec[string] {
	c := text("(none)")
	c.read = func(r raw, report reportFunc) string {
		p := readText(r, report)
		if p != "" && r.inFile && !filepath.IsAbs(p) {
			p = filepath.Join(r.dir, p)
		}
		return p
	}
	c.encode = func(p string) string {
		if a, err := filepath.Abs(p); err == nil && p != "" {
			return a
		}
		return p
	}
	return c
}

// secret is a string String never prints.
func secret() codec[string] {
	c := text("(none)")
	c.show = func(v string, _ Config) string {
		if v == "" {
			return "(none)"
		}
		return Redacted
	}
	return c
}

// duration is a positive time.Duration such as "10s".
func duration() codec[time.Duration] {
	return codec[time.Duration]{
		kind: kindString,
		read: func(r raw, report reportFunc) time.Duration {
			if r.inFile {
				if _, ok := r.file.(string); !ok {
					report("expected a duration string such as \"10s\", got %s", typeName(r.file))
					return 0
				}
			}
			s := readText(r, report)
			d, err := time.ParseDuration(s)
			if err != nil {
				report("invalid duration %q (use e.g. 500ms, 10s, 2m)", s)
				return 0
			}
			if d <= 0 {
				report("duration must be positive, got %s", d)
			}
			return d
		},
		encode: time.Duration.String,
	}
}

// optionalDuration is a duration whose zero default means "not set"; String prints none for it.
func optionalDuration(none string) codec[time.Duration] {
	c := duration()
	c.show = func(d time.Duration, _ Config) string {
		if d == 0 {
			return none
		}
		return d.String()
	}
	return c
}

// boolean is true or false (a YAML or JSON boolean in the config file).
func boolean() codec[bool] {
	return codec[bool]{
		kind: kindBool,
		read: func(r raw, report reportFunc) bool {
			if r.inFile {
				b, ok := r.file.(bool)
				if !ok {
					report("expected true or false, got %s", typeName(r.file))
				}
				return b
			}
			s := readText(r, report)
			b, err := strconv.ParseBool(s)
			if err != nil {
				report("invalid boolean %q (use true or false)", s)
			}
			return b
		},
		encode: strconv.FormatBool,
	}
}

// integer is a whole number.
func integer() codec[int] {
	return number(func(s string, report reportFunc) int {
		n, err := strconv.Atoi(s)
		if err != nil {
			report("invalid integer %q", s)
		}
		return n
	}, strconv.Itoa)
}

// size is a byte count with an optional KiB, MiB or GiB suffix.
func size() codec[int64] {
	c := number(func(s string, report reportFunc) int64 {
		t := strings.ToUpper(strings.TrimSpace(s))
		mult := int64(1)
		// The suffixes, longest first; K, M and G are binary too.
		for _, u := range []struct {
			suffix string
			mult   int64
		}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}} {
			if strings.HasSuffix(t, u.suffix) {
				t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
				break
			}
		}
		n, err := strconv.ParseInt(t, 10, 64)
		if err != nil || n < 0 || n > (1<<62)/mult {
			report("invalid size %q (use bytes, or a KiB, MiB or GiB suffix)", s)
			return 0
		}
		return n * mult
	}, func(n int64) string {
		switch {
		case n != 0 && n%(1<<30) == 0:
			return strconv.FormatInt(n>>30, 10) + "GiB"
		case n != 0 && n%(1<<20) == 0:
			return strconv.FormatInt(n>>20, 10) + "MiB"
		case n != 0 && n%(1<<10) == 0:
			return strconv.FormatInt(n>>10, 10) + "KiB"
		}
		return strconv.FormatInt(n, 10)
	})
	c.show = func(n int64, _ Config) string { return strconv.FormatInt(n, 10) }
	return c
}

// number is a numeric value: parse reads its textual form (a config-file number stays exact),
// reporting what is wrong with it.
func number[T any](parse func(s string, report reportFunc) T, encode func(T) string) codec[T] {
	return codec[T]{
		kind: kindString,
		read: func(r raw, report reportFunc) T {
			s, ok := readNumber(r, report)
			if !ok {
				var zero T
				return zero
			}
			return parse(s, report)
		},
		encode: encode,
	}
}

// readNumber returns the textual form of a numeric value (JSON numbers stay exact).
func readNumber(r raw, report reportFunc) (string, bool) {
	if r.inFile {
		s, ok := scalarString(r.file)
		if !ok {
			report("expected a number, got %s", typeName(r.file))
		}
		return s, ok
	}
	return readText(r, report), true
}

// list is a list of strings: repeated flags (each split on commas when splitFlags), an
// environment value (newline-separated, or comma-separated when it has no newline), or a
// config-file list or string.
func list(splitFlags bool) codec[[]string] {
	return codec[[]string]{
		kind:   kindList,
		read:   func(r raw, report reportFunc) []string { return readList(r, splitFlags, report) },
		show:   func(l []string, _ Config) string { return quoteList(l) },
		encode: joinList,
	}
}

func readList(r raw, splitFlags bool, report reportFunc) []string {
	var items []string
	switch {
	case r.inFile:
		switch v := r.file.(type) {
		case string:
			items = splitList(v)
		case []any:
			for i, e := range v {
				s, ok := e.(string)
				if !ok {
					report("item %d: expected a string, got %s", i, typeName(e))
					continue
				}
				items = append(items, strings.TrimSpace(s))
			}
		default:
			report("expected a list of strings, got %s", typeName(v))
		}
	case r.env:
		items = splitList(r.strs[0])
	default:
		for _, s := range r.strs {
			if splitFlags {
				items = append(items, splitList(s)...)
			} else {
				items = append(items, strings.TrimSpace(s))
			}
		}
	}
	return items
}

func splitList(s string) []string {
	sep := ","
	if strings.Contains(s, "\n") {
		sep = "\n"
	}
	var out []string
	for _, p := range strings.Split(s, sep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// joinList writes a list the way an environment value is read back: one item a line, with a
// final newline when a single item holds a comma (else it would be split there).
func joinList(items []string) string {
	s := strings.Join(items, "\n")
	if len(items) == 1 && strings.Contains(s, ",") {
		s += "\n"
	}
	return s
}

func quoteList(l []string) string {
	if len(l) == 0 {
		return "(none)"
	}
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// headers reads extra request headers: K=V flags, a newline- or comma-separated K=V environment
// value, or in the config file a map of names to values or a list of "K=V" or {name, value}.
// Names and values are trimmed here and validated by checkHeaders.
func headers() codec[[]Header] {
	return codec[[]Header]{
		kind:   kindList,
		read:   readHeaders,
		show:   showHeaders,
		encode: func(hs []Header) string { return joinList(headerStrings(hs, nil)) },
	}
}

func readHeaders(r raw, report reportFunc) []Header {
	var hs []Header
	add := func(name, value string) {
		hs = append(hs, Header{Name: strings.TrimSpace(name), Value: strings.TrimSpace(value)})
	}
	kv := func(s string) {
		name, value, ok := strings.Cut(s, "=")
		if !ok {
			// "K: V" is how headers are written elsewhere (curl -H): say what this one wants.
			if k, v, colon := strings.Cut(s, ":"); colon && strings.TrimSpace(k) != "" && !strings.ContainsAny(strings.TrimSpace(k), " \t") {
				report("%q is not K=V; did you mean %q?", s, strings.TrimSpace(k)+"="+strings.TrimSpace(v))
				return
			}
			report("%q is not K=V", s)
			return
		}
		add(name, value)
	}
	switch {
	case r.inFile:
		switch v := r.file.(type) {
		case map[string]any:
			for _, name := range slices.Sorted(maps.Keys(v)) {
				s, ok := scalarString(v[name])
				if !ok {
					report("%s: expected a string, got %s", name, typeName(v[name]))
					continue
				}
				add(name, s)
			}
		case []any:
			for i, e := range v {
				switch e := e.(type) {
				case string:
					kv(e)
				case map[string]any:
					n, nok := e["name"].(string)
					val, vok := scalarString(e["value"])
					if !nok || !vok || len(e) != 2 {
						report("item %d: expected {name: ..., value: ...}", i)
						continue
					}
					add(n, val)
				default:
					report("item %d: expected \"K=V\" or {name, value}, got %s", i, typeName(e))
				}
			}
		default:
			report("expected a map of header names to values, or a list, got %s", typeName(v))
		}
	case r.env:
		sep := ","
		if strings.Contains(r.strs[0], "\n") {
			sep = "\n"
		}
		for _, s := range strings.Split(r.strs[0], sep) {
			if strings.TrimSpace(s) != "" {
				kv(strings.TrimRight(s, "\r"))
			}
		}
	default:
		for _, s := range r.strs {
			kv(s)
		}
	}
	return hs
}

func showHeaders(hs []Header, c Config) string {
	return quoteList(headerStrings(hs, c.IsSecretHeader))
}

// headerStrings writes each header as K=V, with the value redacted where secret says so.
func headerStrings(hs []Header, secret func(string) bool) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		v := h.Value
		if secret != nil && secret(h.Name) {
			v = Redacted
		}
		out[i] = h.Name + "=" + v
	}
	return out
}

// counted is a whole number whose zero means what zero names ("auto", "unlimited").
func counted(zero string) codec[int] {
	c := integer()
	c.show = func(n int, _ Config) string {
		if n == 0 {
			return zero
		}
		return strconv.Itoa(n)
	}
	return c
}

// rate is a non-negative number of events per second; zero shows as "unlimited".
func rate() codec[float64] {
	c := number(func(s string, report reportFunc) float64 {
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			report("invalid number %q", s)
			return 0
		}
		return f
	}, func(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) })
	c.show = func(f float64, _ Config) string {
		if f == 0 {
			return "unlimited"
		}
		return strconv.FormatFloat(f, 'g', -1, 64) + "/s"
	}
	return c
}
