package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// The fast path judges a document in one scan of its bytes and one walk of the compiled schema
// subset the embedded documents use, without the schema library. It only ever answers "valid,
// with these notes"; whenever it meets a violation, or anything it is not sure to judge exactly as
// the schema library does (an escape in a compared string, a number that is not a plain integer
// under a bound, a keyword it does not know), it gives up and Validate takes the full path, which
// alone produces violations. Tests run both paths over every fixture and the fuzz corpus.

// token kinds of the tape.
const (
	tNull byte = iota
	tFalse
	tTrue
	tNumber
	tString
	tObject
	tArray
)

// token is one value or member name of a scanned document. For objects and arrays, end is the index
// of the first token after the container; for strings, start and stop delimit the content between
// the quotes; esc says it holds a backslash.
type token struct {
	kind        byte
	esc         bool
	start, stop int32
	end         int32
	n           int32 // members or items
}

// maxFastKeys is the number of members above which an object is left to the full path (duplicate
// names are found by comparing each name with the previous ones).
const maxFastKeys = 64

type scanner struct {
	doc  []byte
	pos  int
	tape []token
}

var errGiveUp = fmt.Errorf("fast path gives up")

// maxPooledTokens bounds the tapes kept for reuse.
const maxPooledTokens = 1 << 16

var tapePool = sync.Pool{New: func() any { s := make([]token, 0, 256); return &s }}

// scan fills the tape, or reports that the document is not acceptable JSON by the rules of
// Prescan (or not one the fast path can check exactly).
func (s *scanner) scan() bool {
	if len(s.doc) > MaxDocumentBytes || len(s.doc) > 1<<30 || bytes.HasPrefix(s.doc, bom) || !utf8.Valid(s.doc) {
		return false
	}
	s.ws()
	if !s.value(0) {
		return false
	}
	s.ws()
	return s.pos == len(s.doc)
}

func (s *scanner) ws() {
	for s.pos < len(s.doc) {
		switch s.doc[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

func (s *scanner) lit(word string, kind byte) bool {
	if !bytes.HasPrefix(s.doc[s.pos:], []byte(word)) {
		return false
	}
	s.tape = append(s.tape, token{kind: kind, start: int32(s.pos), stop: int32(s.pos + len(word))})
	s.pos += len(word)
	return true
}

func (s *scanner) value(depth int) bool {
	if s.pos >= len(s.doc) {
		return false
	}
	switch c := s.doc[s.pos]; {
	case c == '{':
		return s.object(depth)
	case c == '[':
		return s.array(depth)
	case c == '"':
		return s.str()
	case c == 't':
		return s.lit("true", tTrue)
	case c == 'f':
		return s.lit("false", tFalse)
	case c == 'n':
		return s.lit("null", tNull)
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	}
	return false
}

func (s *scanner) str() bool {
	start := s.pos + 1
	esc := false
	for i := start; i < len(s.doc); i++ {
		switch c := s.doc[i]; {
		case c == '"':
			s.tape = append(s.tape, token{kind: tString, esc: esc, start: int32(start), stop: int32(i)})
			s.pos = i + 1
			return true
		case c == '\\':
			esc = true
			i++
			if i >= len(s.doc) {
				return false
			}
			switch s.doc[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(s.doc) {
					return false
				}
				for _, h := range s.doc[i+1 : i+5] {
					if !isHex(h) {
						return false
					}
				}
				i += 4
			default:
				return false
			}
		case c < 0x20:
			return false
		}
	}
	return false
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func (s *scanner) number() bool {
	d, i := s.doc, s.pos
	digits := func() int {
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		return i - j
	}
	if d[i] == '-' {
		i++
	}
	if i < len(d) && d[i] == '0' {
		i++
	} else if digits() == 0 {
		return false
	}
	plain := true
	if i < len(d) && d[i] == '.' {
		i++
		plain = false
		if digits() == 0 {
			return false
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		plain = false
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	if !plain || i-s.pos > 18 {
		if checkNumber(string(d[s.pos:i])) != "" {
			return false
		}
	}
	s.tape = append(s.tape, token{kind: tNumber, start: int32(s.pos), stop: int32(i)})
	s.pos = i
	return true
}

func (s *scanner) array(depth int) bool {
	return s.container(depth, tArray, ']', func(int32) bool { return s.value(depth + 1) })
}

func (s *scanner) object(depth int) bool {
	var keys [maxFastKeys]int32
	return s.container(depth, tObject, '}', func(n int32) bool {
		if s.pos >= len(s.doc) || s.doc[s.pos] != '"' || !s.str() {
			return false
		}
		k := int32(len(s.tape) - 1)
		kt := s.tape[k]
		if kt.esc || n >= maxFastKeys {
			return false
		}
		name := s.doc[kt.start:kt.stop]
		for _, o := range keys[:n] {
			if bytes.Equal(name, s.doc[s.tape[o].start:s.tape[o].stop]) {
				return false
			}
		}
		keys[n] = k
		s.ws()
		if s.pos >= len(s.doc) || s.doc[s.pos] != ':' {
			return false
		}
		s.pos++
		s.ws()
		return s.value(depth + 1)
	})
}

// container scans an array or object (kind) from its opening byte at s.pos to its closing byte
// end: member scans the n-th item, or member with its name, and the separators are read here.
func (s *scanner) container(depth int, kind, end byte, member func(n int32) bool) bool {
	if depth >= MaxDepth {
		return false
	}
	at := len(s.tape)
	s.tape = append(s.tape, token{kind: kind, start: int32(s.pos)})
	s.pos++
	s.ws()
	n := int32(0)
	if s.pos < len(s.doc) && s.doc[s.pos] == end {
		s.pos++
	} else {
		for {
			if !member(n) {
				return false
			}
			n++
			s.ws()
			if s.pos >= len(s.doc) {
				return false
			}
			if s.doc[s.pos] == ',' {
				s.pos++
				s.ws()
				continue
			}
			if s.doc[s.pos] != end {
				return false
			}
			s.pos++
			break
		}
	}
	s.tape[at].end, s.tape[at].n, s.tape[at].stop = int32(len(s.tape)), n, int32(s.pos)
	return true
}

// next returns the index of the token after the value at i.
func (s *scanner) next(i int32) int32 {
	if k := s.tape[i].kind; k == tObject || k == tArray {
		return s.tape[i].end
	}
	return i + 1
}

// fnode is one compiled schema node.
type fnode struct {
	types    uint8 // bit per token kind allowed (tFalse and tTrue share "boolean"); 0: untyped
	integer  bool  // "integer" allowed but not "number"
	enum     [][]byte
	declared string // for an "@odata.type" enum: the declared type
	min, max *int64
	minLen   int
	props    map[string]*fnode
	patterns []fpattern
	closed   bool
	required []string
	items    *fnode
	ref      *fnode
	ifN      *fnode
	thenN    *fnode
	elseN    *fnode
	giveUp   bool // a keyword the fast path does not judge
	v1       bool // a property the seed's table lacks and Graph v1.0 has, from an applied overlay: noted
}

type fpattern struct {
	re   *regexp.Regexp
	node *fnode
}

// compileFast compiles the schema at root for the fast path. closed gives the response form: an
// object schema that lists properties notes unknown members instead of failing on them.
func (m *model) compileFast(root string, closed bool) (*fnode, error) {
	memo := map[string]*fnode{}
	var comp func(base string, n map[string]any) (*fnode, error)
	comp = func(base string, n map[string]any) (*fnode, error) {
		f := &fnode{minLen: -1}
		for k, v := range n {
			switch k {
			case "$schema", "$id", "title", "description", "definitions", "default", "readOnly":
			case graphV1Keyword, graphV1ResponseKeyword: // an overlay: the form has applied it, or leaves it out
			case graphV1Note:
				f.v1 = true
			case "$ref":
				target, node, err := m.resolve(base, v.(string))
				if err != nil {
					return nil, err
				}
				if r, ok := memo[target]; ok {
					f.ref = r
					continue
				}
				obj, ok := node.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("$ref %v is not a schema", v)
				}
				r := &fnode{}
				memo[target] = r
				c, err := comp(strings.SplitN(target, "#", 2)[0], obj)
				if err != nil {
					return nil, err
				}
				*r = *c
				f.ref = r
			case "type":
				var names []any
				switch t := v.(type) {
				case string:
					names = []any{t}
				case []any:
					names = t
				}
				number, integer := false, false
				for _, t := range names {
					switch t {
					case "null":
						f.types |= 1 << tNull
					case "boolean":
						f.types |= 1<<tFalse | 1<<tTrue
					case "string":
						f.types |= 1 << tString
					case "object":
						f.types |= 1 << tObject
					case "array":
						f.types |= 1 << tArray
					case "number":
						number = true
					case "integer":
						integer = true
					default:
						f.giveUp = true
					}
				}
				if number || integer {
					f.types |= 1 << tNumber
				}
				f.integer = integer && !number
			case "enum":
				for _, e := range v.([]any) {
					s, ok := e.(string)
					if !ok {
						f.giveUp = true
						continue
					}
					f.enum = append(f.enum, []byte(s))
				}
			case "minimum", "maximum":
				x, err := v.(json.Number).Int64()
				if err != nil {
					f.giveUp = true
					continue
				}
				if k == "minimum" {
					f.min = &x
				} else {
					f.max = &x
				}
			case "minLength":
				x, err := v.(json.Number).Int64()
				if err != nil {
					f.giveUp = true
				}
				f.minLen = int(x)
			case "properties":
				f.props = map[string]*fnode{}
				for name, sub := range v.(map[string]any) {
					c, err := comp(base, sub.(map[string]any))
					if err != nil {
						return nil, err
					}
					f.props[name] = c
				}
			case "patternProperties":
				for p, sub := range v.(map[string]any) {
					re, err := regexp.Compile(p)
					if err != nil {
						return nil, err
					}
					c, err := comp(base, sub.(map[string]any))
					if err != nil {
						return nil, err
					}
					f.patterns = append(f.patterns, fpattern{re, c})
				}
			case "additionalProperties":
				b, ok := v.(bool)
				if !ok {
					f.giveUp = true
				}
				f.closed = f.closed || !b
			case "required":
				for _, r := range v.([]any) {
					f.required = append(f.required, r.(string))
				}
			case "items":
				sub, ok := v.(map[string]any)
				if !ok {
					f.giveUp = true
					continue
				}
				c, err := comp(base, sub)
				if err != nil {
					return nil, err
				}
				f.items = c
			case "if", "then", "else":
				c, err := comp(base, v.(map[string]any))
				if err != nil {
					return nil, err
				}
				switch k {
				case "if":
					f.ifN = c
				case "then":
					f.thenN = c
				default:
					f.elseN = c
				}
			default:
				f.giveUp = true
			}
		}
		if closed && f.props != nil && n["type"] == "object" {
			f.closed = true
		}
		if odt, ok := f.props["@odata.type"]; ok && len(odt.enum) == 2 {
			if typ, err := enumType([]any{string(odt.enum[0]), string(odt.enum[1])}); err == nil {
				odt.declared = typ
			}
		}
		return f, nil
	}
	doc, ok := m.byID[documentID(root)].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("no document %s", root)
	}
	return comp(documentID(root), doc)
}

// fastRun is one run of the fast path over a scanned document.
type fastRun struct {
	s     *scanner
	kind  Kind
	types *typeInfo
	path  []int32 // tape index of each member name or -(index+1) of each array item, root first
	notes []Note
}

// check validates the value at tape index i against f. report is false inside an "if", where only
// validity matters. It returns false on any violation, and errGiveUp when the fast path cannot
// judge.
func (r *fastRun) check(f *fnode, i int32, report bool) (bool, error) {
	depth := len(r.path)
	ok, err := r.checkAt(f, i, report)
	r.path = r.path[:depth] // a failed "if" returns from inside a member or an item
	return ok, err
}

func (r *fastRun) checkAt(f *fnode, i int32, report bool) (bool, error) {
	if f.giveUp {
		return false, errGiveUp
	}
	if f.ref != nil {
		if ok, err := r.check(f.ref, i, report); !ok || err != nil {
			return ok, err
		}
	}
	t := r.s.tape[i]
	if f.types != 0 && f.types&(1<<t.kind) == 0 {
		return false, nil
	}
	if t.kind == tNumber && (f.integer || f.min != nil || f.max != nil) {
		x, ok := plainInt(r.s.doc[t.start:t.stop])
		if !ok {
			return false, errGiveUp
		}
		if f.min != nil && x < *f.min || f.max != nil && x > *f.max {
			return false, nil
		}
	}
	if f.ifN != nil {
		ok, err := r.check(f.ifN, i, false)
		if err != nil {
			return false, err
		}
		branch := f.elseN
		if ok {
			branch = f.thenN
		}
		if branch != nil {
			if ok, err := r.check(branch, i, report); !ok || err != nil {
				return ok, err
			}
		}
	}
	if f.enum != nil || f.minLen >= 0 {
		if t.kind != tString {
			if f.enum != nil {
				return false, nil // no enum of the documents holds anything but strings
			}
		} else {
			if t.esc {
				return false, errGiveUp
			}
			raw := r.s.doc[t.start:t.stop]
			if f.minLen >= 0 && utf8.RuneCount(raw) < f.minLen {
				return false, nil
			}
			if f.enum != nil && !inEnum(f.enum, raw) {
				if !report || f.declared == "" || !r.tolerate(f.declared, string(raw)) {
					return false, nil
				}
			}
		}
	}
	switch t.kind {
	case tObject:
		return r.object(f, i, report)
	case tArray:
		if f.items == nil {
			return true, nil
		}
		k := 0
		for j := i + 1; j < t.end; j = r.s.next(j) {
			r.path = append(r.path, -int32(k)-1)
			ok, err := r.check(f.items, j, report)
			r.path = r.path[:len(r.path)-1]
			if !ok || err != nil {
				return ok, err
			}
			k++
		}
	}
	return true, nil
}

func (r *fastRun) object(f *fnode, i int32, report bool) (bool, error) {
	t := r.s.tape[i]
	for _, req := range f.required {
		if r.member(i, req) < 0 {
			return false, nil
		}
	}
	if f.props == nil && f.patterns == nil && !f.closed {
		return true, nil
	}
	for j := i + 1; j < t.end; {
		kt := r.s.tape[j]
		name := r.s.doc[kt.start:kt.stop]
		v := j + 1
		r.path = append(r.path, j)
		described := false
		if sub, ok := f.props[string(name)]; ok {
			described = true
			if ok, err := r.check(sub, v, report); !ok || err != nil {
				return ok, err
			}
			if sub.v1 && report {
				vt := r.s.tape[v]
				r.notes = append(r.notes, Note{Pointer: r.pointer(), Message: v1Message(string(name), string(r.s.doc[vt.start:vt.stop]))})
			}
		}
		for _, p := range f.patterns {
			if p.re.Match(name) {
				described = true
				if ok, err := r.check(p.node, v, report); !ok || err != nil {
					return ok, err
				}
			}
		}
		if !described && f.closed {
			if r.kind == KindRequest {
				return false, nil
			}
			if report && bytes.IndexByte(name, '@') < 0 {
				r.notes = append(r.notes, Note{Pointer: r.pointer(), Message: unknownPropertyNote(name, r.kind)})
			}
		}
		r.path = r.path[:len(r.path)-1]
		j = r.s.next(v)
	}
	return true, nil
}

// member returns the tape index of the value of member name of the object at i, or -1.
func (r *fastRun) member(i int32, name string) int32 {
	for j := i + 1; j < r.s.tape[i].end; j = r.s.next(j + 1) {
		kt := r.s.tape[j]
		if string(r.s.doc[kt.start:kt.stop]) == name {
			return j + 1
		}
	}
	return -1
}

func (r *fastRun) tolerate(declared, value string) bool {
	msg, ok := r.types.toleratedIn(r.kind, declared, value)
	if ok {
		r.notes = append(r.notes, Note{Pointer: r.pointer(), Message: msg})
	}
	return ok
}

func (r *fastRun) pointer() string {
	segs := make([]string, len(r.path))
	for k, p := range r.path {
		if p < 0 {
			segs[k] = fmt.Sprint(-p - 1)
		} else {
			t := r.s.tape[p]
			segs[k] = string(r.s.doc[t.start:t.stop])
		}
	}
	return Pointer(segs...)
}

func inEnum(enum [][]byte, raw []byte) bool {
	for _, e := range enum {
		if bytes.Equal(e, raw) {
			return true
		}
	}
	return false
}

// plainInt parses an integer literal that fits an int64 (no fraction, no exponent).
func plainInt(b []byte) (int64, bool) {
	if len(b) > 18 {
		x, err := strconv.ParseInt(string(b), 10, 64)
		return x, err == nil
	}
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	var x int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		x = x*10 + int64(c-'0')
	}
	if neg {
		x = -x
	}
	return x, true
}

// validateFast judges doc on the fast path. ok is false when the full path must judge it.
func (v *Validator) validateFast(kind Kind, doc []byte) (res Result, ok bool) {
	root := v.fast[kind]
	if root == nil {
		return Result{}, false
	}
	tp := tapePool.Get().(*[]token)
	defer func() {
		if cap(*tp) <= maxPooledTokens { // a huge document's tape is left to the garbage collector
			*tp = (*tp)[:0]
			tapePool.Put(tp)
		}
	}()
	s := &scanner{doc: doc, tape: (*tp)[:0]}
	if !s.scan() {
		*tp = s.tape
		return Result{}, false
	}
	*tp = s.tape
	r := fastRun{s: s, kind: kind, types: v.types}
	valid, err := r.check(root, 0, true)
	if err != nil || !valid {
		return Result{}, false
	}
	res = Result{Violations: []Violation{}, Notes: r.notes}
	if res.Notes == nil {
		res.Notes = []Note{}
	}
	sortResult(&res)
	res.Notes = compactNotes(res.Notes)
	return res, true
}

func compactNotes(ns []Note) []Note {
	out := ns[:0]
	for i, n := range ns {
		if i == 0 || n != ns[i-1] {
			out = append(out, n)
		}
	}
	return out
}
