package target

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/redact"
)

// TokenVar is the shell variable curl lines use in place of the token.
const TokenVar = "$CALLCONF_TOKEN"

// DefaultTranscriptBody is the body cut Transcript uses when given maxBody <= 0.
const DefaultTranscriptBody = 4 << 10

// Redact replaces the token, every token fetched so far, the OAuth client secret and every secret
// header value (and their URL- and JSON-escaped forms) wherever they occur in s.
func (c *Client) Redact(s string) string { return c.tokens.Redactor().String(s) }

// Redactor returns the redactor the client uses: the run's, when its token source is shared.
func (c *Client) Redactor() *redact.Redactor { return c.tokens.Redactor() }

// redactHeader copies h with secret values redacted. For a request header, Authorization is
// written from the exchange's parts by the caller; here it is replaced wholesale unless request.
func (c *Client) redactHeader(h http.Header, request bool) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		cp := make([]string, len(vs))
		for i, v := range vs {
			switch {
			case request && k == "Authorization":
				cp[i] = c.Redact(strings.Join(splitAround(v, c.tokens.Current()), config.Redacted))
			case c.cfg.IsSecretHeader(k):
				cp[i] = config.Redacted
			default:
				cp[i] = c.Redact(v)
			}
		}
		out[k] = cp
	}
	return out
}

// URLVar makes Curl write one path segment of an exchange's URL as a shell variable, for a
// resource the reader must create anew (a call the spec created and then deleted): when the URL
// begins with Prefix+Segment, followed by its end, '/' or '?', the segment is written
// "${Var:?Hint}", so the shell refuses to run the line until the reader has set Var.
type URLVar struct{ Prefix, Segment, Var, Hint string }

// maxArgBody is the largest body Curl writes as a command-line argument: longer ones go through
// printf, a shell builtin, so no exec argument limit applies.
const maxArgBody = 64 << 10

// Curl returns a POSIX sh command that reproduces the request. The token is written as
// "$CALLCONF_TOKEN" and the value of each secret header as the variable config.SecretHeaderVar
// names, so the line runs as printed in a shell that holds them and never shows them;
// --globoff and --path-as-is keep the raw path intact. The body goes to --data-binary
// verbatim in single quotes when it is readable text: UTF-8 without control characters but
// tab, and with line breaks only when it is valid JSON (the lines of a JSON body are broken
// outside its strings, so indenting the printed line, as Ginkgo's console output does, adds
// only whitespace between JSON tokens). Any other body is piped from printf with the bytes
// that are no printable UTF-8 escaped; a large one with long runs of one byte is generated,
// the runs written as counts. vars write parts of the URL as shell variables.
func (c *Client) Curl(e *Exchange, vars ...URLVar) string {
	if e == nil {
		return ""
	}
	args := []string{"curl", "-sS", "-i", "--globoff", "--path-as-is"}
	if c.scheme == "https" {
		if c.cfg.CAFile != "" {
			args = append(args, "--cacert", ShellQuote(c.cfg.CAFile))
		}
		if c.cfg.InsecureSkipTLSVerify {
			args = append(args, "--insecure")
		}
	}
	secs := int64((c.timeout + time.Second - 1) / time.Second)
	args = append(args, "--max-time", strconv.FormatInt(max(secs, 1), 10))
	if e.Method == http.MethodHead {
		args = append(args, "--head")
	} else {
		args = append(args, "-X", ShellQuote(e.Method))
	}
	args = append(args, quoteURL(e.URL, vars))

	names := make([]string, 0, len(e.RequestHeader))
	for k := range e.RequestHeader {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if k == "Authorization" {
			continue
		}
		for _, v := range e.RequestHeader[k] {
			switch {
			case c.cfg.IsSecretHeader(k):
				args = append(args, "-H", ShellQuote(k+": ")+`"$`+config.SecretHeaderVar(k)+`"`)
			case v == "":
				args = append(args, "-H", ShellQuote(k+";")) // curl's syntax for an empty header
			default:
				args = append(args, "-H", ShellQuote(k+": "+v))
			}
		}
	}
	switch {
	case e.authParts == nil:
	case len(e.authParts) == 2 && e.authParts[0] == "Bearer " && e.authParts[1] == "":
		args = append(args, "-H", `"Authorization: Bearer `+TokenVar+`"`)
	default:
		var b strings.Builder
		b.WriteString(ShellQuote("Authorization: " + e.authParts[0]))
		for _, p := range e.authParts[1:] {
			b.WriteString(`"` + TokenVar + `"`)
			if p != "" {
				b.WriteString(ShellQuote(p))
			}
		}
		if len(e.authParts) == 1 && e.authParts[0] == "" {
			args = append(args, "-H", ShellQuote("Authorization;"))
		} else {
			args = append(args, "-H", b.String())
		}
	}

	prefix := ""
	switch {
	case len(e.RequestBody) == 0:
		if e.Method == http.MethodPost || e.Method == http.MethodPut || e.Method == http.MethodPatch {
			args = append(args, "--data-binary", "''")
		}
	case len(e.RequestBody) > maxArgBody && hasRun(e.RequestBody):
		prefix = generator(e.RequestBody) + " | "
		args = append(args, "--data-binary", "@-")
	case argSafe(e.RequestBody):
		args = append(args, "--data-binary", ShellQuote(string(e.RequestBody)))
	default:
		prefix = "printf " + ShellQuote(printfFormat(e.RequestBody)) + " | "
		args = append(args, "--data-binary", "@-")
	}
	return c.Redact(prefix + strings.Join(args, " "))
}

// minRun is the shortest run of one byte that generator writes as a count, not as the bytes.
const minRun = 256

// hasRun reports whether b holds a run of one byte at least minRun long.
func hasRun(b []byte) bool {
	for i := 0; i < len(b); {
		j := i + 1
		for j < len(b) && b[j] == b[i] {
			j++
		}
		if j-i >= minRun {
			return true
		}
		i = j
	}
	return false
}

// generator writes a shell command group that prints exactly b, each run of one byte at least
// minRun long as a count (printf pads an empty string with that many spaces, tr turns them into
// the byte) and the rest through printf: a 2 MiB body of one letter stays one short line.
func generator(b []byte) string {
	var parts []string
	lit := 0 // start of the literal text not written yet
	flush := func(end int) {
		if end > lit {
			parts = append(parts, "printf "+ShellQuote(printfFormat(b[lit:end])))
		}
	}
	for i := 0; i < len(b); {
		j := i + 1
		for j < len(b) && b[j] == b[i] {
			j++
		}
		if j-i >= minRun {
			flush(i)
			parts = append(parts, fmt.Sprintf("printf '%%%ds' '' | tr ' ' %s", j-i, trChar(b[i])))
			lit = j
		}
		i = j
	}
	flush(len(b))
	return "{ " + strings.Join(parts, "; ") + "; }"
}

// trChar writes byte c as the second operand of tr: as is when it is a letter or digit, else
// as an octal escape, which tr reads the same everywhere.
func trChar(c byte) string {
	if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
		return string(c)
	}
	return fmt.Sprintf(`'\%03o'`, c)
}

// quoteURL quotes u as one shell word, with the segments vars name written as variables.
func quoteURL(u string, vars []URLVar) string {
	for _, v := range vars {
		rest, ok := strings.CutPrefix(u, v.Prefix+v.Segment)
		if !ok || v.Segment == "" || rest != "" && rest[0] != '/' && rest[0] != '?' {
			continue
		}
		word := ShellQuote(v.Prefix) + `"${` + v.Var + `:?` + v.Hint + `}"`
		if rest != "" {
			word += ShellQuote(rest)
		}
		return word
	}
	return ShellQuote(u)
}

// ShellQuote quotes s as one POSIX sh word (config.ShellQuote).
func ShellQuote(s string) string { return config.ShellQuote(s) }

// argSafe reports whether Curl may write body verbatim as an argument (see Curl): readable
// UTF-8 text, on one line unless it is valid JSON, that curl cannot take for a file name.
func argSafe(b []byte) bool {
	if len(b) > maxArgBody || b[0] == '@' || !utf8.Valid(b) {
		return false
	}
	lines := false
	for _, r := range string(b) {
		switch {
		case r == '\n':
			lines = true
		case r == '\t':
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return false
		}
	}
	return !lines || json.Valid(b)
}

// printfFormat renders b as a printf format that prints exactly b: printable UTF-8 as it is,
// line breaks and tabs as \n and \t, every other byte as an octal escape, and % and backslash
// escaped.
func printfFormat(b []byte) string {
	var sb strings.Builder
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case r == '-' && i == 0: // a leading '-' would read as an option of printf
			sb.WriteString(`\055`)
		case r == '%':
			sb.WriteString("%%")
		case r == '\\':
			sb.WriteString(`\\`)
		case r == '\n':
			sb.WriteString(`\n`)
		case r == '\t':
			sb.WriteString(`\t`)
		case r == utf8.RuneError && n <= 1, r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
			for _, c := range b[i : i+n] {
				fmt.Fprintf(&sb, `\%03o`, c)
			}
		default:
			sb.Write(b[i : i+n])
		}
		i += n
	}
	return sb.String()
}

// Transcript prints the exchange for a person: request line, headers (sorted), body, then the
// status, headers and body of the response, bodies cut after maxBody bytes (default 4 KiB) with
// "… (N bytes more)". Authorization and secret headers are redacted, and so is every occurrence
// of a secret anywhere (a target may echo one back).
func (c *Client) Transcript(e *Exchange, maxBody int) string {
	if e == nil {
		return ""
	}
	if maxBody <= 0 {
		maxBody = DefaultTranscriptBody
	}
	var b strings.Builder
	fmt.Fprintf(&b, "> %s %s\n", e.Method, e.URL)
	writeHeaders(&b, "> ", e.RequestHeader)
	if len(e.RequestBody) > 0 {
		b.WriteString(">\n")
		writeBody(&b, "> ", e.RequestBody, maxBody, false)
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, "< %d %s  (%s)\n", e.Status, http.StatusText(e.Status), e.Duration.Round(time.Millisecond))
		writeHeaders(&b, "< ", c.redactHeader(e.Header, false))
		if len(e.Body) > 0 {
			b.WriteString("<\n")
			writeBody(&b, "< ", e.Body, maxBody, e.Truncated)
		}
	}
	if e.Err != nil {
		fmt.Fprintf(&b, "! %v  (after %s)\n", e.Err, e.Duration.Round(time.Millisecond))
	}
	return c.Redact(b.String())
}

func writeHeaders(b *strings.Builder, prefix string, h http.Header) {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		for _, v := range h[k] {
			fmt.Fprintf(b, "%s%s: %s\n", prefix, printable(k), printable(v))
		}
	}
}

func writeBody(b *strings.Builder, prefix string, body []byte, maxBody int, truncated bool) {
	shown := body
	if len(shown) > maxBody {
		cut := maxBody
		for cut > 0 && cut > maxBody-utf8.UTFMax && !utf8.RuneStart(body[cut]) {
			cut-- // do not split a character
		}
		shown = body[:cut]
	}
	for _, line := range strings.Split(printable(string(shown)), "\n") {
		b.WriteString(prefix + line + "\n")
	}
	if more := len(body) - len(shown); more > 0 {
		fmt.Fprintf(b, "%s… (%d bytes more)\n", prefix, more)
	}
	if truncated {
		fmt.Fprintf(b, "%s… (the target sent more than the %d bytes read: --max-response-bytes)\n", prefix, len(body))
	}
}

// printable escapes invalid UTF-8 and control characters (newline and tab excepted) as \xHH, so
// a hostile body cannot garble a terminal or a JUnit file.
func printable(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
