package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits of the raw-byte checks that run before any schema. A document beyond them gets a
// Violation with keyword "json".
const (
	MaxDocumentBytes = 16 << 20 // 16 MiB
	MaxDepth         = 64       // nesting of objects and arrays
	MaxNumberLength  = 100      // characters of one number literal
	MaxExponent      = 400      // |exponent| of a number literal
	maxJSONFindings  = 100      // at most this many "json" violations are listed
)

var bom = []byte{0xEF, 0xBB, 0xBF}

// Prescan checks the raw bytes of a document: size, byte order mark, UTF-8, well-formed JSON with
// one top-level value, depth, duplicate member names, and numbers the schema library can handle.
// It returns the problems as Violations with keyword "json" (none when the document is
// acceptable). It runs in time linear in the input and stops at the first structural error.
func Prescan(doc []byte) []Violation {
	if len(doc) > MaxDocumentBytes {
		return []Violation{{Keyword: "json", Message: fmt.Sprintf("document is larger than the limit of %d bytes (%d bytes read)", MaxDocumentBytes, len(doc)), Limit: true}}
	}
	if bytes.HasPrefix(doc, bom) {
		return []Violation{{Keyword: "json", Message: "document starts with a UTF-8 byte order mark, which JSON text must not carry (RFC 8259 §8.1)", Pos: 1}}
	}
	if len(bytes.TrimSpace(doc)) == 0 {
		return []Violation{{Keyword: "json", Message: "document is empty"}}
	}
	if !utf8.Valid(doc) {
		off := 0
		for off < len(doc) {
			r, n := utf8.DecodeRune(doc[off:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			off += n
		}
		line, col := LineColumn(doc, off)
		return []Violation{{Keyword: "json", Message: fmt.Sprintf("document is not valid UTF-8 (at line %d, column %d)", line, col), Pos: off + 1}}
	}
	return scanTokens(doc)
}

type frame struct {
	object  bool
	wantKey bool
	key     string
	index   int
	keys    map[string]struct{}
}

func scanTokens(doc []byte) []Violation {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var stack []*frame
	var out []Violation
	done := false
	pointer := func(extra ...string) string {
		segs := make([]string, 0, len(stack)+len(extra))
		for _, f := range stack {
			if f.object {
				if !f.wantKey {
					segs = append(segs, f.key)
				}
			} else {
				segs = append(segs, strconv.Itoa(f.index))
			}
		}
		return Pointer(append(segs, extra...)...)
	}
	add := func(v Violation) bool {
		out = append(out, v)
		return len(out) < maxJSONFindings
	}
	valueDone := func() {
		if len(stack) == 0 {
			done = true
			return
		}
		f := stack[len(stack)-1]
		if f.object {
			f.wantKey = true
		} else {
			f.index++
		}
	}
	for {
		before := int(dec.InputOffset())
		tok, err := dec.Token()
		if err == io.EOF {
			if !done {
				line, col := LineColumn(doc, len(doc))
				out = append(out, Violation{Pointer: pointer(), Keyword: "json", Message: fmt.Sprintf("not well-formed JSON: unexpected end of input (at line %d, column %d)", line, col), Pos: len(doc) + 1})
			}
			return out
		}
		if err != nil {
			return append(out, syntaxViolation(doc, pointer(), err))
		}
		start := valueStart(doc, before) // where tok begins
		if done {
			line, col := LineColumn(doc, start)
			return append(out, Violation{Keyword: "json", Message: fmt.Sprintf("not well-formed JSON: data after the top-level value (at line %d, column %d)", line, col), Pos: start + 1})
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if len(stack) >= MaxDepth {
					return append(out, Violation{Pointer: pointer(), Keyword: "json", Message: fmt.Sprintf("nesting deeper than %d levels", MaxDepth), Limit: true, Pos: start + 1})
				}
				f := &frame{object: d == '{', wantKey: d == '{'}
				if f.object {
					f.keys = map[string]struct{}{}
				}
				stack = append(stack, f)
			case '}', ']':
				stack = stack[:len(stack)-1]
				valueDone()
			}
			continue
		}
		if top != nil && top.object && top.wantKey {
			key, _ := tok.(string)
			if _, dup := top.keys[key]; dup {
				if !add(Violation{Pointer: pointer(key), Keyword: "json", Message: fmt.Sprintf("duplicate member name %q (RFC 8259 §4: names should be unique; the meaning is ambiguous)", key), Pos: start + 1}) {
					return out
				}
			}
			top.keys[key] = struct{}{}
			top.key = key
			top.wantKey = false
			continue
		}
		if n, ok := tok.(json.Number); ok {
			if msg := checkNumber(string(n)); msg != "" {
				if !add(Violation{Pointer: pointer(), Keyword: "json", Message: msg, Value: cutValue(json.RawMessage(n)), Limit: true, Pos: start + 1}) {
					return out
				}
			}
		}
		valueDone()
	}
}

// syntaxViolation describes the decoder's error err at pointer. The decoder's own offsets are
// not consistently at the offending byte; the checker behind json.Unmarshal's are (one past
// it), so the place is taken from there.
func syntaxViolation(doc []byte, pointer string, err error) Violation {
	const eof = "unexpected end of input"
	msg, pos := err.Error(), 0
	var se *json.SyntaxError
	if errors.As(err, &se) {
		pos = int(se.Offset)
		var raw json.RawMessage
		if errors.As(json.Unmarshal(doc, &raw), &se) {
			msg, pos = se.Error(), int(se.Offset)
		}
		pos = max(1, min(pos, len(doc)))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || msg == "unexpected end of JSON input" {
		msg, pos = eof, len(doc)+1
	}
	if pos > 0 {
		line, col := LineColumn(doc, pos-1)
		msg = fmt.Sprintf("%s (at line %d, column %d)", msg, line, col)
	}
	return Violation{Pointer: pointer, Keyword: "json", Message: "not well-formed JSON: " + msg, Pos: pos}
}

// checkNumber returns why a number literal cannot be judged, or "".
func checkNumber(s string) string {
	if len(s) > MaxNumberLength {
		return fmt.Sprintf("number literal of %d characters is longer than the limit of %d", len(s), MaxNumberLength)
	}
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		exp := strings.TrimLeft(s[i+1:], "+-")
		exp = strings.TrimLeft(exp, "0")
		if e, err := strconv.Atoi(exp); len(exp) > 6 || (err == nil && e > MaxExponent) {
			return fmt.Sprintf("number %s has an exponent beyond ±%d: outside the range of IEEE 754 binary64 (I-JSON, RFC 7493 §2.2) and not comparable with a minimum or maximum", cutValue(json.RawMessage(s)), MaxExponent)
		}
	}
	if _, err := strconv.ParseFloat(s, 64); err != nil {
		return fmt.Sprintf("number %s is outside the range of IEEE 754 binary64 (I-JSON, RFC 7493 §2.2)", cutValue(json.RawMessage(s)))
	}
	return ""
}
