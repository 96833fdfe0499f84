// Package generate derives request bodies from the project's own JSON Schemas (package schemas):
// valid values of every updatable property and nested member, and invalid bodies that break one
// schema keyword at a time. Nothing here names a property: a change to a schema document changes
// what is generated. Values come from pgregory.net/rapid generators, drawn with a seed the caller
// gives, so a run with the same seed generates the same cases.
package generate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/callconf/callconf/schemas"
)

// Node is what a value at one place of a body may be, gathered from its schema through $ref, the
// nullable idiom and the @odata.type discriminators.
type Node struct {
	Types    []string // JSON types allowed besides null
	Nullable bool
	Enum     []string // nil when not an enum
	Min, Max string   // integer bounds ("" when none)
	Items    *Node    // for arrays
	Objects  []*Object
}

// Object is one concrete object type a Node may hold.
type Object struct {
	Type       string   // the Graph type name the @odata.type enum names ("" when none)
	TypeValues []string // the values @odata.type may take (with and without '#')
	// Abstract marks the base type of an abstract type (mediaConfig, meetingInfo): valid per
	// schema, but a target may reject it (the contract, PATCH-01), so valid bodies never use it.
	Abstract bool
	// Derived marks a type an @odata.type discriminator picks: a value of it must name it, or
	// it is judged as the base type.
	Derived bool
	Names   []string // the members besides @odata.type, sorted
	Props   map[string]*Node
	Open    bool // additionalProperties is not false
}

// Tree is the request body's schema as Nodes: every property a PATCH body may set.
type Tree struct {
	Root *Object
}

type builder struct {
	docs map[string]map[string]any // $id → document
	memo map[string]*Node          // resolved $ref → node (no schema here is recursive, but many are shared)
}

// Load builds the Tree of the update-call request schema from the embedded documents.
func Load() (*Tree, error) {
	b := &builder{docs: map[string]map[string]any{}, memo: map[string]*Node{}}
	for _, name := range schemas.Names() {
		raw, err := schemas.Document(name)
		if err != nil {
			return nil, fmt.Errorf("schema %s: %w", name, err)
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var doc map[string]any
		if err := dec.Decode(&doc); err != nil {
			return nil, fmt.Errorf("schema %s: %w", name, err)
		}
		b.docs[schemas.BaseURI+name] = doc
	}
	root := schemas.BaseURI + schemas.RootDocument(schemas.KindRequest)
	n, err := b.node(root, b.docs[root], 0)
	if err != nil {
		return nil, fmt.Errorf("request schema: %w", err)
	}
	if len(n.Objects) != 1 {
		return nil, fmt.Errorf("request schema: want one object type at the root, got %d", len(n.Objects))
	}
	return &Tree{Root: n.Objects[0]}, nil
}

// resolve turns a $ref written in document base into (document of the target, node).
func (b *builder) resolve(base, ref string) (string, map[string]any, error) {
	bu, err := url.Parse(base)
	if err != nil {
		return "", nil, err
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", nil, err
	}
	abs := bu.ResolveReference(r)
	frag := abs.Fragment
	abs.Fragment = ""
	doc, ok := b.docs[abs.String()]
	if !ok {
		return "", nil, fmt.Errorf("$ref %q: no embedded document %s", ref, abs)
	}
	var node any = doc
	segs, err := schemas.SplitPointer(frag)
	if err != nil {
		return "", nil, fmt.Errorf("$ref %q: %w", ref, err)
	}
	for _, s := range segs {
		obj, ok := node.(map[string]any)
		if !ok {
			return "", nil, fmt.Errorf("$ref %q does not resolve", ref)
		}
		node = obj[s]
	}
	obj, ok := node.(map[string]any)
	if !ok {
		return "", nil, fmt.Errorf("$ref %q is not a schema object", ref)
	}
	return abs.String(), obj, nil
}

func isNullIf(n map[string]any) bool {
	c, ok := n["if"].(map[string]any)
	return ok && len(c) == 1 && c["type"] == "null"
}

// discriminator returns the @odata.type values an "if" names when it picks a derived type.
func discriminator(n map[string]any) ([]string, bool) {
	c, ok := n["if"].(map[string]any)
	if !ok {
		return nil, false
	}
	req, _ := c["required"].([]any)
	props, _ := c["properties"].(map[string]any)
	t, _ := props["@odata.type"].(map[string]any)
	enum, _ := t["enum"].([]any)
	if len(req) != 1 || req[0] != "@odata.type" || len(enum) == 0 {
		return nil, false
	}
	var out []string
	for _, e := range enum {
		out = append(out, fmt.Sprint(e))
	}
	return out, true
}

const maxDepth = 96

func (b *builder) node(base string, n map[string]any, depth int) (*Node, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("schema nesting deeper than %d", maxDepth)
	}
	if ref, ok := n["$ref"].(string); ok {
		doc, target, err := b.resolve(base, ref)
		if err != nil {
			return nil, err
		}
		key := base + "\x00" + ref
		if m, ok := b.memo[key]; ok {
			return m, nil
		}
		out, err := b.node(doc, target, depth+1)
		if err != nil {
			return nil, err
		}
		b.memo[key] = out
		return out, nil
	}
	if isNullIf(n) {
		els, ok := n["else"].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("nullable idiom without else")
		}
		inner, err := b.node(base, els, depth+1)
		if err != nil {
			return nil, err
		}
		cp := *inner
		cp.Nullable = true
		return &cp, nil
	}
	out := &Node{}
	switch t := n["type"].(type) {
	case string:
		out.Types = []string{t}
	case []any:
		for _, x := range t {
			if x == "null" {
				out.Nullable = true
			} else {
				out.Types = append(out.Types, fmt.Sprint(x))
			}
		}
	}
	if en, ok := n["enum"].([]any); ok {
		for _, x := range en {
			if x == nil {
				out.Nullable = true
				continue
			}
			out.Enum = append(out.Enum, fmt.Sprint(x))
		}
	}
	if x, ok := n["minimum"].(json.Number); ok {
		out.Min = x.String()
	}
	if x, ok := n["maximum"].(json.Number); ok {
		out.Max = x.String()
	}
	if it, ok := n["items"].(map[string]any); ok {
		items, err := b.node(base, it, depth+1)
		if err != nil {
			return nil, fmt.Errorf("items: %w", err)
		}
		out.Items = items
	}
	if slices.Contains(out.Types, "object") {
		objs, err := b.objects(base, n, depth+1)
		if err != nil {
			return nil, err
		}
		out.Objects = objs
		abstract := slices.ContainsFunc(objs, func(o *Object) bool { return schemas.NamesConcreteOfAbstract(o.Type) })
		for _, o := range objs {
			o.Abstract = abstract && !schemas.NamesConcreteOfAbstract(o.Type)
		}
	}
	return out, nil
}

// objects gathers the concrete object types a schema may hold: each "then" of an @odata.type
// discriminator, and the final base type.
func (b *builder) objects(base string, n map[string]any, depth int) ([]*Object, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("schema nesting deeper than %d", maxDepth)
	}
	if ref, ok := n["$ref"].(string); ok {
		doc, target, err := b.resolve(base, ref)
		if err != nil {
			return nil, err
		}
		return b.objects(doc, target, depth+1)
	}
	if _, ok := discriminator(n); ok {
		then, ok1 := n["then"].(map[string]any)
		els, ok2 := n["else"].(map[string]any)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("@odata.type discriminator without then and else")
		}
		a, err := b.objects(base, then, depth+1)
		if err != nil {
			return nil, err
		}
		for _, o := range a {
			o.Derived = true
		}
		c, err := b.objects(base, els, depth+1)
		if err != nil {
			return nil, err
		}
		return append(a, c...), nil
	}
	props, ok := n["properties"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("object schema without properties")
	}
	o := &Object{Props: map[string]*Node{}, Open: n["additionalProperties"] != false}
	for k, p := range props {
		ps, ok := p.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("property %q is not a schema", k)
		}
		if k == "@odata.type" {
			if en, ok := ps["enum"].([]any); ok {
				for _, e := range en {
					o.TypeValues = append(o.TypeValues, fmt.Sprint(e))
				}
				if len(o.TypeValues) > 0 {
					o.Type = strings.TrimPrefix(o.TypeValues[0], "#")
				}
			}
			continue
		}
		if strings.Contains(k, "@") {
			continue
		}
		pn, err := b.node(base, ps, depth+1)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		o.Props[k] = pn
		o.Names = append(o.Names, k)
	}
	sort.Strings(o.Names)
	return []*Object{o}, nil
}

// Concrete returns the object types of n a valid body may use: every one but an abstract base.
func (n *Node) Concrete() []*Object {
	var out []*Object
	for _, o := range n.Objects {
		if !o.Abstract {
			out = append(out, o)
		}
	}
	return out
}
