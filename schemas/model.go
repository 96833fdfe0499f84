package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/xeipuuv/gojsonschema"
)

// model is the set of embedded documents, decoded (numbers kept exact), indexed by $id.
type model struct {
	names []string
	byID  map[string]any // $id (no fragment) → decoded document
	raw   map[string][]byte
}

func loadModel() (*model, error) { return loadModelWith(nil) }

// loadModelWith loads the embedded documents, with the bytes of override in place of the
// embedded ones of the same name (tests use it to prove that each mutation of a document fails a
// fixture).
func loadModelWith(override map[string][]byte) (*model, error) {
	m := &model{byID: map[string]any{}, raw: map[string][]byte{}}
	for _, name := range Names() {
		b, err := files.ReadFile(name)
		if o, ok := override[name]; ok {
			b = o
		}
		if err != nil {
			return nil, err
		}
		doc, err := decodeNumber(b)
		if err != nil {
			return nil, fmt.Errorf("schema %s: %w", name, err)
		}
		obj, ok := doc.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("schema %s: not a JSON object", name)
		}
		if id, _ := obj["$id"].(string); id != documentID(name) {
			return nil, fmt.Errorf("schema %s: $id is %q, want %q", name, id, documentID(name))
		}
		if s, _ := obj["$schema"].(string); s != "http://json-schema.org/draft-07/schema#" {
			return nil, fmt.Errorf("schema %s: $schema is %q, want draft-07", name, s)
		}
		m.names = append(m.names, name)
		m.byID[documentID(name)] = doc
		m.raw[name] = b
	}
	if len(m.names) == 0 {
		return nil, fmt.Errorf("no embedded schema documents")
	}
	if _, err := m.Refs(); err != nil {
		return nil, err
	}
	return m, nil
}

func decodeNumber(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// Ref is one $ref of an embedded document and what it resolves to.
type Ref struct {
	From   string // file name of the document that holds the $ref
	Ref    string // the $ref as written
	Target string // absolute URL it resolves to
}

// Refs lists every $ref of every embedded document and checks that each resolves to an
// embedded document and, when it has a fragment, to a node inside it.
func Refs() ([]Ref, error) {
	m, err := loadModel()
	if err != nil {
		return nil, err
	}
	return m.Refs()
}

func (m *model) Refs() ([]Ref, error) {
	var out []Ref
	var errs []string
	for _, name := range m.names {
		base := documentID(name)
		walkJSON(m.byID[base], func(node map[string]any) {
			ref, ok := node["$ref"].(string)
			if !ok {
				return
			}
			target, _, err := m.resolve(base, ref)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s: $ref %q: %v", name, ref, err))
				return
			}
			out = append(out, Ref{From: name, Ref: ref, Target: target})
		})
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("unresolved $ref: %s", strings.Join(errs, "; "))
	}
	return out, nil
}

// walkJSON calls fn for every JSON object in v, depth first.
func walkJSON(v any, fn func(map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		fn(v)
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			walkJSON(v[k], fn)
		}
	case []any:
		for _, e := range v {
			walkJSON(e, fn)
		}
	}
}

// resolve turns a $ref written in document base into (absolute URL, node).
func (m *model) resolve(base, ref string) (string, any, error) {
	b, err := url.Parse(base)
	if err != nil {
		return "", nil, err
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", nil, err
	}
	abs := b.ResolveReference(r)
	frag := abs.Fragment
	abs.Fragment = ""
	doc, ok := m.byID[abs.String()]
	if !ok {
		return "", nil, fmt.Errorf("%s is not an embedded document (nothing is fetched)", abs)
	}
	node := doc
	segs, err := SplitPointer(frag)
	if err != nil {
		return "", nil, err
	}
	for _, s := range segs {
		obj, ok := node.(map[string]any)
		if !ok {
			return "", nil, fmt.Errorf("fragment %q does not resolve", frag)
		}
		if node, ok = obj[s]; !ok {
			return "", nil, fmt.Errorf("fragment %q does not resolve", frag)
		}
	}
	full := abs.String()
	if frag != "" {
		full += "#" + frag
	}
	return full, node, nil
}

// compile compiles one document as the root schema, every embedded document registered. With
// closed set, every object schema that lists "properties" gets "additionalProperties": false
// (the response form: the Validator turns those failures into notes).
func (m *model) compile(root string, closed bool) (*gojsonschema.Schema, error) {
	sl := gojsonschema.NewSchemaLoader()
	sl.Draft = gojsonschema.Draft7
	sl.AutoDetect = false
	for _, name := range m.names {
		doc, err := decodeNumber(m.raw[name])
		if err != nil {
			return nil, err
		}
		if closed {
			closeObjects(doc)
		}
		noteFailures(doc)
		b, err := json.Marshal(doc)
		if err != nil {
			return nil, err
		}
		if err := sl.AddSchemas(gojsonschema.NewBytesLoader(b)); err != nil {
			return nil, fmt.Errorf("register %s: %w", name, err)
		}
	}
	return sl.Compile(gojsonschema.NewReferenceLoader(documentID(root)))
}

// graphV1Keyword names, in a schema of an embedded document, an overlay: what Microsoft Graph
// v1.0 has there that the seed's table lacks. It is an annotation to JSON Schema, so the documents
// as written judge by the seed's table; only the Validator's request form applies every such
// overlay (requestForm), and the response form those of types wholly Graph v1.0's (responseForm).
const graphV1Keyword = "x-graph-v1.0"

// graphV1ResponseKeyword names an overlay only the response form applies: where an answer of a
// Graph v1.0 service carries a type the seed's table lacks (a call's targets typed
// invitationParticipantInfo).
const graphV1ResponseKeyword = "x-graph-v1.0-response"

// graphV1Note marks, in the request and response forms, a property schema that came from an
// overlay: the fast path notes the property, and compile turns the schema into one whose failure
// is a note.
const graphV1Note = "x-callconf-noted"

// requestForm returns the model with every "x-graph-v1.0" overlay applied (see withOverlays).
func (m *model) requestForm() (*model, error) {
	return m.withOverlays(func(keyword string, _ map[string]any) bool { return keyword == graphV1Keyword })
}

// responseForm returns the model with every "x-graph-v1.0-response" overlay applied, and the
// "x-graph-v1.0" overlay of each type the seed's table lacks wholly (its overlay declares
// "@odata.type": invitationParticipantInfo), which only the former overlays reach. Every other
// overlay is left out, so a response is otherwise judged by the documents as written: what Graph
// v1.0 adds to a type of the seed's table stays an unknown property there.
func (m *model) responseForm() (*model, error) {
	return m.withOverlays(func(keyword string, overlay map[string]any) bool {
		if keyword == graphV1ResponseKeyword {
			return true
		}
		props, _ := overlay["properties"].(map[string]any)
		_, whole := props["@odata.type"]
		return keyword == graphV1Keyword && whole
	})
}

// withOverlays returns a copy of the model with the overlays pick chooses applied and every other
// overlay removed: the members of an overlay's "properties" are added to the schema's
// "properties", each marked graphV1Note (a name the schema already has is an error), and any other
// member replaces the schema's keyword of the same name (e.g. "items").
func (m *model) withOverlays(pick func(keyword string, overlay map[string]any) bool) (*model, error) {
	out := &model{names: m.names, byID: map[string]any{}, raw: map[string][]byte{}}
	for _, name := range m.names {
		doc, err := decodeNumber(m.raw[name])
		if err != nil {
			return nil, err
		}
		var errs []string
		walkJSON(doc, func(node map[string]any) {
			for _, keyword := range []string{graphV1Keyword, graphV1ResponseKeyword} {
				ov, ok := node[keyword]
				if !ok {
					continue
				}
				delete(node, keyword)
				overlay, ok := ov.(map[string]any)
				if !ok {
					errs = append(errs, keyword+" is not an object")
					continue
				}
				if pick(keyword, overlay) {
					errs = append(errs, applyOverlay(node, keyword, overlay)...)
				}
			}
		})
		if len(errs) > 0 {
			sort.Strings(errs)
			return nil, fmt.Errorf("schema %s: %s", name, strings.Join(errs, "; "))
		}
		b, err := json.Marshal(doc)
		if err != nil {
			return nil, err
		}
		out.byID[documentID(name)] = doc
		out.raw[name] = b
	}
	return out, nil
}

// applyOverlay applies one overlay (named keyword) to the schema node and returns what is wrong
// with it.
func applyOverlay(node map[string]any, keyword string, overlay map[string]any) []string {
	var errs []string
	for kw, val := range overlay {
		if kw != "properties" {
			node[kw] = val
			continue
		}
		add, ok := val.(map[string]any)
		props, ok2 := node["properties"].(map[string]any)
		if !ok || !ok2 {
			errs = append(errs, keyword+" adds properties to a schema without properties")
			continue
		}
		for p, sub := range add {
			subObj, ok := sub.(map[string]any)
			if _, dup := props[p]; dup || !ok {
				errs = append(errs, fmt.Sprintf("%s: property %q is already declared, or not a schema", keyword, p))
				continue
			}
			subObj[graphV1Note] = true
			props[p] = subObj
		}
	}
	return errs
}

// noteFailures turns every property schema marked graphV1Note into {"allOf": [s, false]} for the
// schema library: the value is still judged by s, and the "false" failure, which nothing else in
// the documents produces, tells validateFull to note the property.
func noteFailures(v any) {
	walkJSON(v, func(node map[string]any) {
		props, ok := node["properties"].(map[string]any)
		if !ok {
			return
		}
		for p, sub := range props {
			if s, ok := sub.(map[string]any); ok && s[graphV1Note] == true {
				delete(s, graphV1Note)
				props[p] = map[string]any{"allOf": []any{s, false}}
			}
		}
	})
}

// closeObjects walks a schema (only through schema-valued keywords, never into the names under
// "properties") and closes every object schema that lists properties.
func closeObjects(v any) {
	s, ok := v.(map[string]any)
	if !ok {
		return
	}
	if _, has := s["properties"]; has && s["type"] == "object" {
		s["additionalProperties"] = false
	}
	for _, kw := range []string{"properties", "patternProperties", "definitions"} {
		if mm, ok := s[kw].(map[string]any); ok {
			for _, sub := range mm {
				closeObjects(sub)
			}
		}
	}
	for _, kw := range []string{"items", "additionalProperties", "if", "then", "else", "not", "additionalItems", "contains", "propertyNames"} {
		closeObjects(s[kw])
	}
	for _, kw := range []string{"allOf", "anyOf", "oneOf", "items"} {
		if arr, ok := s[kw].([]any); ok {
			for _, sub := range arr {
				closeObjects(sub)
			}
		}
	}
}

// Field describes one property reachable in a body, walked through $refs.
type Field struct {
	Pointer  string   // e.g. "/subject", "/resultInfo/code", "/targets/0/identity/user/id" (array items as /0)
	Types    []string // JSON types allowed besides null: "string","integer","number","boolean","object","array"
	Nullable bool
	Enum     []string // nil when not an enum
	Minimum  string   // decimal bound, "" when none
	Maximum  string
}

// RequestFields lists every property reachable in an update-call request body, sorted by
// pointer. Annotations ("@odata.type") are not listed, nor the properties the seed's table lacks
// that Microsoft Graph v1.0 has (noted in a request, never generated). For the abstract types mediaConfig and
// meetingInfo it lists the base type's properties (a body without "@odata.type" is the base
// type), so a value built from one Field is judged by the rules that Field describes.
func (v *Validator) RequestFields() []Field { return cloneFields(v.request) }

// ResponseFields is RequestFields for the call response schema.
func (v *Validator) ResponseFields() []Field { return cloneFields(v.response) }

func cloneFields(fs []Field) []Field {
	out := make([]Field, len(fs))
	for i, f := range fs {
		f.Types = append([]string(nil), f.Types...)
		if f.Enum != nil {
			f.Enum = append([]string{}, f.Enum...)
		}
		out[i] = f
	}
	return out
}

type site struct {
	base string // $id of the document the node lives in
	node map[string]any
}

// effective follows $ref, the nullable idiom {"if":{"type":"null"},"else":…} and the abstract
// types' discriminator (down to the base type) and gathers what a value at this site may be.
type effective struct {
	types    []string
	nullable bool
	enum     []string
	min, max string
	props    map[string]site
	items    *site
}

func isNullIf(n map[string]any) bool {
	c, ok := n["if"].(map[string]any)
	return ok && len(c) == 1 && c["type"] == "null"
}

func (m *model) effectiveOf(s site) (effective, error) {
	var e effective
	typed := false
	for range 64 {
		n := s.node
		if ref, ok := n["$ref"].(string); ok {
			target, node, err := m.resolve(s.base, ref)
			if err != nil {
				return e, err
			}
			obj, ok := node.(map[string]any)
			if !ok {
				return e, fmt.Errorf("$ref %q is not a schema object", ref)
			}
			s = site{base: strings.SplitN(target, "#", 2)[0], node: obj}
			continue
		}
		if isNullIf(n) {
			e.nullable = true
			els, ok := n["else"].(map[string]any)
			if !ok {
				return e, fmt.Errorf("nullable idiom without else")
			}
			s = site{base: s.base, node: els}
			continue
		}
		if !typed {
			switch t := n["type"].(type) {
			case string:
				e.types, typed = []string{t}, true
			case []any:
				typed = true
				for _, x := range t {
					if x == "null" {
						e.nullable = true
					} else {
						e.types = append(e.types, fmt.Sprint(x))
					}
				}
			}
			if en, ok := n["enum"].([]any); ok {
				for _, x := range en {
					if x == nil {
						e.nullable = true
						continue
					}
					e.enum = append(e.enum, fmt.Sprint(x))
				}
			}
			if x, ok := n["minimum"].(json.Number); ok {
				e.min = x.String()
			}
			if x, ok := n["maximum"].(json.Number); ok {
				e.max = x.String()
			}
		}
		if props, ok := n["properties"].(map[string]any); ok {
			e.props = map[string]site{}
			for k, p := range props {
				if obj, ok := p.(map[string]any); ok {
					e.props[k] = site{base: s.base, node: obj}
				}
			}
		}
		if it, ok := n["items"].(map[string]any); ok {
			e.items = &site{base: s.base, node: it}
		}
		if e.props == nil && e.items == nil {
			if els, ok := n["else"].(map[string]any); ok { // abstract type: the base type
				s = site{base: s.base, node: els}
				continue
			}
		}
		return e, nil
	}
	return e, fmt.Errorf("$ref chain too long")
}

func (m *model) fields(root string) ([]Field, error) {
	doc, ok := m.byID[documentID(root)].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("no document %s", root)
	}
	var out []Field
	var walk func(s site, ptr string, depth int) error
	walk = func(s site, ptr string, depth int) error {
		if depth > 16 {
			return fmt.Errorf("schema nesting too deep at %s", ptr)
		}
		e, err := m.effectiveOf(s)
		if err != nil {
			return fmt.Errorf("%s: %w", ptr, err)
		}
		if ptr != "" {
			out = append(out, Field{Pointer: ptr, Types: e.types, Nullable: e.nullable, Enum: e.enum, Minimum: e.min, Maximum: e.max})
		}
		names := make([]string, 0, len(e.props))
		for k := range e.props {
			if !strings.Contains(k, "@") {
				names = append(names, k)
			}
		}
		sort.Strings(names)
		for _, k := range names {
			if err := walk(e.props[k], ptr+Pointer(k), depth+1); err != nil {
				return err
			}
		}
		if e.items != nil {
			if err := walk(*e.items, ptr+"/0", depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(site{base: documentID(root), node: doc}, "", 0); err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pointer < out[j].Pointer })
	return out, nil
}
