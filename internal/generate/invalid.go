package generate

import (
	"encoding/json"
	"math/big"
	"slices"
	"strconv"

	"pgregory.net/rapid"

	"github.com/callconf/callconf/schemas"
)

// Invalid is a body that breaks exactly one keyword of the request schema.
type Invalid struct {
	Body    any    // the decoded body (an object, or another JSON value where the root's shape is broken)
	Pointer string // where the broken keyword applies (RFC 6901; "" is the root)
	Keyword string // type, enum, null, minimum, maximum, additionalProperties
}

// site is one place of a generated value and the schema that judges it.
type site struct {
	ptr  string
	node *Node   // nil for a member of an object that only its object judges
	obj  *Object // the object type of the value at ptr, when it is an object
}

// sites lists the places of v (judged by n, at ptr), depth first.
func sites(v any, n *Node, ptr string, out *[]site) {
	s := site{ptr: ptr, node: n}
	switch x := v.(type) {
	case map[string]any:
		s.obj = objectOf(x, n)
		*out = append(*out, s)
		if s.obj == nil {
			return
		}
		for _, k := range s.obj.Names {
			if mv, ok := x[k]; ok {
				sites(mv, s.obj.Props[k], ptr+schemas.Pointer(k), out)
			}
		}
	case []any:
		*out = append(*out, s)
		if n.Items != nil {
			for i, it := range x {
				sites(it, n.Items, ptr+"/"+strconv.Itoa(i), out)
			}
		}
	default:
		*out = append(*out, s)
	}
}

// objectOf is the object type of n that judges the object v: the one its @odata.type names, or
// the base type.
func objectOf(v map[string]any, n *Node) *Object {
	t, typed := v["@odata.type"].(string)
	var base *Object
	for _, o := range n.Objects {
		if typed && slices.Contains(o.TypeValues, t) {
			return o
		}
		if !o.Derived {
			base = o
		}
	}
	return base
}

// breaks lists the ways to break the one keyword at s, each the value to put there.
func breaks(s site) []Invalid {
	n := s.node
	var out []Invalid
	add := func(kw string, v any) { out = append(out, Invalid{Pointer: s.ptr, Keyword: kw, Body: v}) }
	if n == nil {
		return nil
	}
	if !n.Nullable {
		add("null", nil)
	}
	if len(n.Enum) > 0 {
		add("enum", "callconfNotAMember")
	}
	if n.Min != "" {
		if b, ok := new(big.Int).SetString(n.Min, 10); ok {
			add("minimum", json.Number(b.Sub(b, big.NewInt(1)).String()))
		}
	}
	if n.Max != "" {
		if b, ok := new(big.Int).SetString(n.Max, 10); ok {
			add("maximum", json.Number(b.Add(b, big.NewInt(1)).String()))
		}
	}
	wrong := []struct {
		typ string
		v   any
	}{{"string", "callconf"}, {"integer", json.Number("42")}, {"boolean", true}, {"array", []any{"callconf"}}, {"object", map[string]any{}}}
	for _, w := range wrong {
		if !slices.Contains(n.Types, w.typ) && !(w.typ == "integer" && slices.Contains(n.Types, "number")) {
			add("type", w.v)
		}
	}
	if s.obj != nil && !s.obj.Open {
		add("additionalProperties", nil) // Body set by the caller: the object with an unknown member
	}
	return out
}

// InvalidBody draws bodies that break one keyword of the request schema at one place: a
// property's type, an enum, null where the schema does not allow it, an integer one past its
// bounds, an unknown member of a closed object, an array or string instead of the body's object.
// Each is confirmed invalid by the request schema; valid properties may come along.
func (g *Generator) InvalidBody() *rapid.Generator[Invalid] {
	return rapid.Custom(func(t *rapid.T) Invalid {
		if rapid.IntRange(0, 15).Draw(t, "root?") == 0 { // the body itself is no object
			inv := Invalid{Keyword: "type", Body: rapid.SampledFrom([]any{[]any{"subject"}, "call", json.Number("1"), true}).Draw(t, "root")}
			return g.confirm(t, inv)
		}
		name := rapid.SampledFrom(append([]string{"@odata.type"}, g.all...)).Draw(t, "property")
		body := map[string]any{}
		if name == "@odata.type" { // a top-level @odata.type naming another type than call
			body[name] = rapid.SampledFrom([]string{"#microsoft.graph.participant", "microsoft.graph.callRecord", "#microsoft.graph.identity"}).Draw(t, "type")
			return g.confirm(t, Invalid{Body: body, Pointer: "/@odata.type", Keyword: "enum"})
		}
		n := g.tree.Root.Props[name]
		body[name] = g.value(t, &Node{Types: n.Types, Enum: n.Enum, Min: n.Min, Max: n.Max, Items: n.Items, Objects: n.Objects}, 1, name)
		if rapid.IntRange(0, 2).Draw(t, "others?") == 0 {
			other := rapid.SampledFrom(g.updatable).Draw(t, "other")
			if other != name {
				body[other] = g.value(t, g.tree.Root.Props[other], 1, other)
			}
		}
		var ss []site
		sites(body[name], n, schemas.Pointer(name), &ss)
		s := rapid.SampledFrom(ss).Draw(t, "site")
		options := breaks(s)
		if len(options) == 0 {
			t.Skipf("nothing to break here")
		}
		inv := rapid.SampledFrom(options).Draw(t, "break")
		inv.Body = put(body, s.ptr, inv)
		return g.confirm(t, inv)
	})
}

// confirm keeps inv only when the request schema finds it invalid.
func (g *Generator) confirm(t *rapid.T, inv Invalid) Invalid {
	if g.Valid(Encode(inv.Body)) {
		t.Skipf("still valid")
	}
	return inv
}

// put returns a copy of body with the broken value at ptr.
func put(body map[string]any, ptr string, inv Invalid) any {
	segs, _ := schemas.SplitPointer(ptr)
	v := inv.Body
	if inv.Keyword == "additionalProperties" {
		obj, _ := Clone(at(body, segs)).(map[string]any)
		if obj == nil {
			obj = map[string]any{}
		}
		obj["callconfUnknownMember"] = "callconf"
		v = obj
	}
	return replaced(body, segs, v)
}

func child(v any, seg string) any {
	switch p := v.(type) {
	case map[string]any:
		return p[seg]
	case []any:
		i, _ := strconv.Atoi(seg)
		if i >= 0 && i < len(p) {
			return p[i]
		}
	}
	return nil
}

// Clone deep-copies a decoded JSON value.
func Clone(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = Clone(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Clone(e)
		}
		return out
	}
	return v
}
