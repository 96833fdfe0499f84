package schemas

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// LineColumn turns a byte offset into doc into a 1-based line and column. Lines end at '\n';
// the column counts characters (UTF-8 sequences; a byte that is not valid UTF-8 counts as one,
// and so does a tab), which is what an editor shows. An offset past the end is the end.
func LineColumn(doc []byte, offset int) (line, column int) {
	offset = max(0, min(offset, len(doc)))
	before := doc[:offset]
	start := bytes.LastIndexByte(before, '\n') + 1
	return bytes.Count(before, []byte{'\n'}) + 1, utf8.RuneCount(before[start:]) + 1
}

// Locate finds where the values the pointers name start in doc, a well-formed JSON document, in
// one scan. A pointer whose value is absent (a missing required member) is placed at its
// nearest enclosing value present in the document. The answer maps each pointer to a byte
// offset; a pointer it cannot place (doc is not well-formed before reaching it) is left out.
// With duplicate member names, the first member counts.
func Locate(doc []byte, pointers []string) map[string]int {
	// wanted holds every pointer asked for and each of its ancestors, so that a value is looked
	// into only when something below it is wanted.
	wanted := map[string]bool{}
	for _, p := range pointers {
		for {
			if wanted[p] {
				break
			}
			wanted[p] = true
			i := strings.LastIndexByte(p, '/')
			if i < 0 {
				break
			}
			p = p[:i]
		}
	}
	found := map[string]int{}
	type frame struct {
		ptr     string // pointer of the container
		object  bool
		wantKey bool
		key     string
		index   int
		inside  bool // the container is wanted: its members' pointers are worth building
	}
	var stack []*frame
	dec := json.NewDecoder(bytes.NewReader(doc))
	for {
		before := int(dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			break
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			continue
		}
		if top != nil && top.object && top.wantKey {
			top.key, _ = tok.(string)
			top.wantKey = false
			continue
		}
		// A value: the decoder has consumed the separators before it with the token.
		ptr, inside := "", true
		if top != nil {
			inside = top.inside
			if inside {
				if top.object {
					ptr = Pointer(top.key)
				} else {
					ptr = "/" + strconv.Itoa(top.index)
				}
				ptr = top.ptr + ptr
			}
			if top.object {
				top.wantKey = true
			} else {
				top.index++
			}
		}
		inside = inside && wanted[ptr]
		if inside {
			if _, dup := found[ptr]; !dup {
				found[ptr] = valueStart(doc, before)
			}
		}
		if d, ok := tok.(json.Delim); ok && (d == '{' || d == '[') {
			stack = append(stack, &frame{ptr: ptr, object: d == '{', wantKey: d == '{', inside: inside})
		}
	}
	out := map[string]int{}
	for _, p := range pointers {
		for q := p; ; {
			if off, ok := found[q]; ok {
				out[p] = off
				break
			}
			i := strings.LastIndexByte(q, '/')
			if i < 0 {
				break
			}
			q = q[:i]
		}
	}
	return out
}

// valueStart skips, from offset, the whitespace and separators a decoder reads before a value.
func valueStart(doc []byte, offset int) int {
	for offset < len(doc) {
		switch doc[offset] {
		case ' ', '\t', '\r', '\n', ',', ':':
			offset++
		default:
			return offset
		}
	}
	return offset
}
