package generate

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/callconf/callconf/schemas"
)

func newGen(t *testing.T) *Generator {
	t.Helper()
	v, err := schemas.Default()
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(v, Options{MaxString: 64})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// enums collects every enum member of every node reachable from the updatable properties, and
// the @odata.type of every concrete derived type, by walking the tree (not a hand-kept list).
func enums(g *Generator) (members map[string]bool, types map[string]bool) {
	members, types = map[string]bool{}, map[string]bool{}
	seen := map[*Node]bool{}
	var walk func(n *Node)
	walk = func(n *Node) {
		if n == nil || seen[n] {
			return
		}
		seen[n] = true
		for _, e := range n.Enum {
			members[e] = true
		}
		walk(n.Items)
		for _, o := range n.Objects {
			if o.Derived {
				types[o.Type] = true
			}
			for _, k := range o.Names {
				walk(o.Props[k])
			}
		}
	}
	for _, k := range g.updatable {
		walk(g.tree.Root.Props[k])
	}
	return members, types
}

func TestValidBodiesAreValidAndReachEveryEnumMemberAndDerivedType(t *testing.T) {
	g := newGen(t)
	members, types := enums(g)
	if len(members) == 0 || !types["microsoft.graph.appHostedMediaConfig"] || !types["microsoft.graph.tokenMeetingInfo"] {
		t.Fatalf("the tree misses enums or derived types: %v %v", members, types)
	}
	props, nulls := map[string]bool{}, map[string]bool{}
	for seed := range uint64(3000) {
		body := Draw(g.ValidBody(), seed)
		raw := Encode(body)
		if !g.Valid(raw) {
			t.Fatalf("seed %d: invalid body %s", seed, raw)
		}
		for k, v := range body {
			props[k] = true
			if v == nil {
				nulls[k] = true
			}
		}
		for m := range members {
			if bytes.Contains(raw, []byte(`"`+m+`"`)) {
				delete(members, m)
			}
		}
		for ty := range types {
			if bytes.Contains(raw, []byte(ty+`"`)) {
				delete(types, ty)
			}
			if bytes.Contains(raw, []byte(`"microsoft.graph.mediaConfig"`)) || bytes.Contains(raw, []byte(`"#microsoft.graph.meetingInfo"`)) {
				t.Fatalf("seed %d: an abstract base type in a valid body: %s", seed, raw)
			}
		}
	}
	for _, k := range g.updatable {
		if !props[k] {
			t.Errorf("no body set %s", k)
		}
	}
	if !nulls["subject"] || nulls["callbackUri"] {
		t.Errorf("null must appear where nullable (subject) and never where not (callbackUri): %v", nulls)
	}
	if len(members) > 0 || len(types) > 0 {
		t.Errorf("never generated: enum members %v, derived types %v", members, types)
	}
}

func TestInvalidBodiesAreInvalidOneKeywordEach(t *testing.T) {
	g := newGen(t)
	kw := map[string]bool{}
	for seed := range uint64(1500) {
		inv := Draw(g.InvalidBody(), seed)
		raw := Encode(inv.Body)
		res, err := g.v.Validate(schemas.KindRequest, raw)
		if err != nil || res.Valid() {
			t.Fatalf("seed %d: %s breaks %s at %q but the schema accepts it", seed, raw, inv.Keyword, inv.Pointer)
		}
		kw[inv.Keyword] = true
	}
	for _, want := range []string{"type", "enum", "null", "minimum", "maximum", "additionalProperties"} {
		if !kw[want] {
			t.Errorf("no invalid body breaks %s (got %v)", want, kw)
		}
	}
}

func TestSameSeedSameBodies(t *testing.T) {
	g := newGen(t)
	for seed := range uint64(50) {
		a, b := Encode(Draw(g.ValidBody(), seed)), Encode(Draw(g.ValidBody(), seed))
		if !bytes.Equal(a, b) {
			t.Fatalf("seed %d: %s then %s", seed, a, b)
		}
	}
	if bytes.Equal(Encode(Draw(g.ValidBody(), 1)), Encode(Draw(g.ValidBody(), 2))) &&
		bytes.Equal(Encode(Draw(g.ValidBody(), 3)), Encode(Draw(g.ValidBody(), 4))) {
		t.Fatal("different seeds draw the same bodies")
	}
}

func TestStringsComeFromTheBreakingClasses(t *testing.T) {
	g := newGen(t)
	var all strings.Builder
	for seed := range uint64(2000) {
		all.Write(Encode(Draw(g.ValidBody(), seed)))
	}
	s := all.String()
	for _, want := range []string{`":""`, `\t`, `\r\n`, "\u00a0", "📞", "\u0301", "שלום", `\"`, `\\`} {
		if !strings.Contains(s, want) {
			t.Errorf("no generated string holds %q", want)
		}
	}
	long := 0
	for seed := range uint64(400) {
		var m map[string]any
		_ = json.Unmarshal(Encode(Draw(g.ValidBody(), seed)), &m)
		if sub, ok := m["subject"].(string); ok && len([]rune(sub)) >= 32 {
			long++
		}
	}
	if long == 0 {
		t.Error("no long string up to the maximum")
	}
}

func TestSmallerKeepsWhatKeepSays(t *testing.T) {
	g := newGen(t)
	body := map[string]any{"subject": "abcdef", "chatInfo": map[string]any{"threadId": "t", "messageId": "m"}}
	cands := Smaller(body, func(v any) bool { return g.Valid(Encode(v)) })
	if len(cands) == 0 {
		t.Fatal("no smaller body")
	}
	for _, c := range cands {
		if len(Encode(c)) >= len(Encode(body)) {
			t.Errorf("not smaller: %s", Encode(c))
		}
	}
	if got := Encode(cands[0]); string(got) != `{"subject":"abcdef"}` {
		t.Errorf("first candidate %s, want the chatInfo left out", got)
	}
}
