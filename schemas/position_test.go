package schemas

import (
	"fmt"
	"strings"
	"testing"
)

func TestLineColumnCountsCharacters(t *testing.T) {
	doc := []byte("{\n  \"Größe\": 1,\n\t\"x\": ✓}")
	for _, c := range []struct {
		at        string // the text at the offset
		line, col int
	}{
		{"{", 1, 1},
		{"\n  \"Gr", 1, 2},
		{"\"Größe\"", 2, 3},
		{": 1", 2, 10}, // "Größe" is 5 characters and 7 bytes
		{"\"x\"", 3, 2},
		{"✓", 3, 7},
	} {
		off := strings.Index(string(doc), c.at)
		if line, col := LineColumn(doc, off); line != c.line || col != c.col {
			t.Errorf("%q at byte %d: %d:%d, want %d:%d", c.at, off, line, col, c.line, c.col)
		}
	}
	if line, col := LineColumn(doc, len(doc)+10); line != 3 || col != 9 {
		t.Errorf("past the end: %d:%d, want 3:9", line, col)
	}
}

// TestSyntaxErrorsAreAtLineColumn: a document that is not well-formed is placed at the offending
// byte, as line:column in the message and as Pos, never as a bare byte offset.
func TestSyntaxErrorsAreAtLineColumn(t *testing.T) {
	for _, c := range []struct {
		doc       string
		line, col int
	}{
		{"nope", 1, 2},
		{"{\"a\":1,\n \"b\": }", 2, 7},
		{"{\n\"a\" 1}", 2, 5},
		{"[1,]", 1, 4},
		{"{\"ä\":\"x\x01\"}", 1, 8},
		{"{\"a\":1", 1, 7},
		{"{} x", 1, 4},
		{"1 2", 1, 3},
		{"{\"a\":1,\n\"a\":2}", 2, 1},
		{"{\"a\":\xff}", 1, 6},
		{"{\"a\":1e999}", 1, 6},
	} {
		vs := Prescan([]byte(c.doc))
		if len(vs) != 1 {
			t.Errorf("%q: %d violations, want 1: %+v", c.doc, len(vs), vs)
			continue
		}
		v := vs[0]
		if v.Pos == 0 {
			t.Errorf("%q: no position: %+v", c.doc, v)
			continue
		}
		if line, col := LineColumn([]byte(c.doc), v.Pos-1); line != c.line || col != c.col {
			t.Errorf("%q: at %d:%d, want %d:%d (%s)", c.doc, line, col, c.line, c.col, v.Message)
		}
		if strings.Contains(v.Message, "byte ") || strings.Contains(v.Message, "offset") {
			t.Errorf("%q: message gives a byte offset: %s", c.doc, v.Message)
		}
		if strings.HasPrefix(v.Message, "not well-formed") && !strings.Contains(v.Message, fmt.Sprintf("(at line %d, column %d)", c.line, c.col)) {
			t.Errorf("%q: message lacks the line and column: %s", c.doc, v.Message)
		}
	}
	if vs := Prescan([]byte(strings.Repeat(" ", MaxDocumentBytes+1))); len(vs) != 1 || vs[0].Pos != 0 {
		t.Errorf("an oversized document has a place: %+v", vs)
	}
}

func TestLocate(t *testing.T) {
	doc := []byte("{\n \"a\": {\"b/c\": [10, {\"d\": true}]},\n \"e\": \"x\",\n \"e\": \"second\"}")
	at := func(s string) int { return strings.Index(string(doc), s) }
	want := map[string]int{
		"":              0,
		"/a":            at(`{"b/c"`),
		"/a/b~1c":       at("[10"),
		"/a/b~1c/0":     at("10"),
		"/a/b~1c/1/d":   at("true"),
		"/a/b~1c/1/zzz": at(`{"d"`), // absent: its enclosing object
		"/e":            at(`"x"`),  // a repeated name: the first member
		"/nope/deeper":  0,
	}
	var ptrs []string
	for p := range want {
		ptrs = append(ptrs, p)
	}
	got := Locate(doc, ptrs)
	for p, off := range want {
		if g, ok := got[p]; !ok || g != off {
			t.Errorf("Locate %q = %d, %v; want %d", p, g, ok, off)
		}
	}
	if got := Locate([]byte(`{"a": [1, `), []string{"/b"}); len(got) != 1 || got["/b"] != 0 {
		t.Errorf("truncated document: %v", got)
	}
}

func TestUnknownPropertyNoteArticle(t *testing.T) {
	v := mustValidator(t)
	doc := []byte(`{"error":{"code":"c","message":"m"},"extra":1}`)
	for name, validate := range map[string]func(Kind, []byte) (Result, error){"fast": v.Validate, "full": v.ValidateFull} {
		res, err := validate(KindError, doc)
		if err != nil || len(res.Notes) != 1 {
			t.Fatalf("%s: %+v, %v", name, res, err)
		}
		if want := `unknown property "extra" (tolerated in an error)`; res.Notes[0].Message != want {
			t.Errorf("%s: note %q, want %q", name, res.Notes[0].Message, want)
		}
	}
}
