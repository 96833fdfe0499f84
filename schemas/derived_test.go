package schemas_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/callconf/callconf/fixtures"
	"github.com/callconf/callconf/schemas"
)

// derivedDocuments are the documents that dispatch on "@odata.type" to derived types.
var derivedDocuments = []string{"identity.json", "identitySet.json", "meetingInfo.json", "mediaConfig.json"}

func decodeDocument(t testing.TB, name string) map[string]any {
	t.Helper()
	b, err := schemas.Document(name)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// localRef resolves a $ref of the form "#/definitions/X" inside doc, or loads "X.json".
func localRef(t testing.TB, doc map[string]any, ref string) map[string]any {
	t.Helper()
	if def, ok := strings.CutPrefix(ref, "#/definitions/"); ok {
		n, _ := doc["definitions"].(map[string]any)[def].(map[string]any)
		if n == nil {
			t.Fatalf("$ref %s does not resolve", ref)
		}
		return n
	}
	return decodeDocument(t, ref)
}

func odataEnum(n map[string]any) []any {
	props, _ := n["properties"].(map[string]any)
	odt, _ := props["@odata.type"].(map[string]any)
	e, _ := odt["enum"].([]any)
	return e
}

// openByModel are derived types the call model makes open though their base type is closed.
var openByModel = map[string]bool{"microsoft.graph.organizerMeetingInfo": true}

// Each branch of a dispatcher is taken for exactly the names its target accepts, every derived type
// has every property of its base type (as the base type's own definition) and the base type's
// openness, and the chain ends at the base type.
func TestDispatchersMatchTheirTargets(t *testing.T) {
	for _, name := range derivedDocuments {
		doc := decodeDocument(t, name)
		baseName := strings.TrimSuffix(name, ".json")
		base := localRef(t, doc, "#/definitions/"+baseName)
		node := doc
		var derived []string
		for {
			cond, ok := node["if"].(map[string]any)
			if !ok {
				break
			}
			if !slices.Equal(cond["required"].([]any), []any{"@odata.type"}) {
				t.Errorf("%s: a branch does not require @odata.type", name)
			}
			target := localRef(t, doc, node["then"].(map[string]any)["$ref"].(string))
			if got, want := odataEnum(cond), odataEnum(target); fmt.Sprint(got) != fmt.Sprint(want) || len(got) != 2 {
				t.Errorf("%s: branch taken for %v, its target accepts %v", name, got, want)
			}
			derived = append(derived, fmt.Sprint(odataEnum(target)[0]))
			if target["additionalProperties"] != base["additionalProperties"] && !openByModel[odataEnum(target)[0].(string)] {
				t.Errorf("%s: %v is not as open as %s", name, odataEnum(target)[0], baseName)
			}
			tprops := target["properties"].(map[string]any)
			for p := range base["properties"].(map[string]any) {
				if p == "@odata.type" {
					continue
				}
				if _, ok := tprops[p]; !ok {
					t.Errorf("%s: %v lacks the base property %s", name, odataEnum(target)[0], p)
				}
			}
			node = node["else"].(map[string]any)
		}
		if node["$ref"] != "#/definitions/"+baseName {
			t.Errorf("%s: the last branch is %v, want the base type", name, node)
		}
		if len(derived) == 0 {
			t.Errorf("%s: no derived type", name)
		}
	}
}

// Every derived type is proven by valid fixtures, with and without the leading "#".
func TestEveryDerivedTypeHasValidFixtures(t *testing.T) {
	all, err := fixtures.All()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if s, ok := v["@odata.type"].(string); ok {
				seen[s] = true
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	for _, f := range all {
		var v any
		if f.Valid && json.Unmarshal(f.Body, &v) == nil {
			walk(v)
		}
	}
	for _, name := range derivedDocuments {
		doc := decodeDocument(t, name)
		for def, n := range doc["definitions"].(map[string]any) {
			e := odataEnum(n.(map[string]any))
			if def == strings.TrimSuffix(name, ".json") || len(e) == 0 {
				continue
			}
			for _, form := range e {
				if !seen[form.(string)] {
					t.Errorf("no valid fixture carries %q", form)
				}
			}
		}
	}
}

// The discriminator rule, both ways: a derived type is judged by its own schema, an unknown
// microsoft.graph type is a note where an open type is declared (responses only), and a type that
// is known but not derived from the declared one, or any unknown type on a closed type, is a
// violation.
func TestDiscriminatorRule(t *testing.T) {
	v := validator(t)
	type want struct{ violations, notes []string }
	call := func(inner string) string { return `{"id":"c","source":{"identity":` + inner + `}}` }
	cases := []struct {
		name string
		kind schemas.Kind
		doc  string
		want want
	}{
		{"derived type, own property judged", schemas.KindResponse, call(`{"@odata.type":"#microsoft.graph.communicationsIdentitySet","endpointType":"x"}`),
			want{violations: []string{"/source/identity/endpointType enum"}}},
		{"derived type without #", schemas.KindResponse, call(`{"@odata.type":"microsoft.graph.communicationsIdentitySet","endpointType":"voicemail"}`), want{}},
		{"declared type itself", schemas.KindResponse, call(`{"@odata.type":"#microsoft.graph.identitySet","endpointType":"x"}`),
			want{notes: []string{"/source/identity/endpointType"}}},
		{"no type: the declared type", schemas.KindRequest, call(`{"endpointType":"default"}`), want{}},
		{"unknown type on an open type: note", schemas.KindResponse, call(`{"@odata.type":"#microsoft.graph.someNewIdentitySet","user":{"id":"u"}}`),
			want{notes: []string{"/source/identity/@odata.type"}}},
		{"unknown type still judged as the declared type", schemas.KindResponse, call(`{"@odata.type":"#microsoft.graph.someNewIdentitySet","user":{"id":1}}`),
			want{violations: []string{"/source/identity/user/id type"}, notes: []string{"/source/identity/@odata.type"}}},
		{"unknown type in a request: violation", schemas.KindRequest, call(`{"@odata.type":"#microsoft.graph.someNewIdentitySet"}`),
			want{violations: []string{"/source/identity/@odata.type enum"}}},
		{"unknown type on the call: note", schemas.KindResponse, `{"id":"c","@odata.type":"microsoft.graph.someNewCall"}`,
			want{notes: []string{"/@odata.type"}}},
		{"known type not derived from call", schemas.KindResponse, `{"id":"c","@odata.type":"#microsoft.graph.callRecord"}`,
			want{violations: []string{"/@odata.type enum"}}},
		{"known type not derived from identitySet", schemas.KindResponse, call(`{"@odata.type":"#microsoft.graph.tokenMeetingInfo"}`),
			want{violations: []string{"/source/identity/@odata.type enum"}}},
		{"derived type of a sibling", schemas.KindResponse, call(`{"user":{"@odata.type":"#microsoft.graph.communicationsIdentitySet"}}`),
			want{violations: []string{"/source/identity/user/@odata.type enum"}}},
		{"unknown type on a closed type", schemas.KindResponse, `{"id":"c","source":{"@odata.type":"#microsoft.graph.someNewParticipantInfo","identity":{}}}`,
			want{violations: []string{"/source/@odata.type enum"}}},
		{"unknown type on an abstract closed type", schemas.KindResponse, `{"id":"c","mediaConfig":{"@odata.type":"#microsoft.graph.someNewMediaConfig"}}`,
			want{violations: []string{"/mediaConfig/@odata.type enum"}}},
		{"another namespace", schemas.KindResponse, call(`{"@odata.type":"#contoso.identitySet"}`),
			want{violations: []string{"/source/identity/@odata.type enum"}}},
		{"a sub-namespace", schemas.KindResponse, call(`{"@odata.type":"#microsoft.graph.callRecords.identitySet"}`),
			want{violations: []string{"/source/identity/@odata.type enum"}}},
		{"not a string", schemas.KindResponse, call(`{"@odata.type":7}`),
			want{violations: []string{"/source/identity/@odata.type type"}}},
		{"derived without a schema: note", schemas.KindResponse, call(`{"user":{"@odata.type":"#microsoft.graph.emailIdentity","id":"u"}}`),
			want{notes: []string{"/source/identity/user/@odata.type"}}},
		{"derived of another type without a schema", schemas.KindResponse, call(`{"user":{"@odata.type":"#microsoft.graph.sharePointIdentitySet"}}`),
			want{violations: []string{"/source/identity/user/@odata.type enum"}}},
		{"joinMeetingIdMeetingInfo", schemas.KindRequest, `{"meetingInfo":{"@odata.type":"#microsoft.graph.joinMeetingIdMeetingInfo","joinMeetingId":"1","passcode":null}}`, want{}},
		{"joinMeetingId on the base meetingInfo", schemas.KindRequest, `{"meetingInfo":{"joinMeetingId":"1"}}`,
			want{violations: []string{"/meetingInfo/joinMeetingId additionalProperties"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := v.Validate(c.kind, []byte(c.doc))
			if err != nil {
				t.Fatal(err)
			}
			got := want{}
			for _, x := range res.Violations {
				got.violations = append(got.violations, x.Pointer+" "+x.Keyword)
			}
			for _, n := range res.Notes {
				got.notes = append(got.notes, n.Pointer)
				if n.Message == "" {
					t.Errorf("note without a message: %+v", n)
				}
			}
			if !slices.Equal(got.violations, c.want.violations) || !slices.Equal(got.notes, c.want.notes) {
				t.Errorf("got %+v\nwant %+v\n(%+v)", got, c.want, res)
			}
		})
	}
}

// verdict is what a fixture's manifest entry pins down.
func verdict(res schemas.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "valid=%v", res.Valid())
	for _, v := range res.Violations {
		fmt.Fprintf(&b, " V%s:%s", v.Pointer, v.Keyword)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(&b, " N%s", n.Pointer)
	}
	return b.String()
}

type mutation struct {
	name string
	doc  map[string]any
}

// mutations lists every small change to a schema node: a property dropped, openness flipped, an
// enum member dropped or added, nullability dropped or added, a JSON type changed, a dispatch
// branch broken. It walks only schema-valued keywords.
func mutations(root map[string]any) []mutation {
	var out []mutation
	var walk func(n map[string]any, path string)
	clone := func() map[string]any {
		b, _ := json.Marshal(root)
		var c map[string]any
		_ = json.Unmarshal(b, &c)
		return c
	}
	// at finds the node at path in a fresh clone.
	at := func(c map[string]any, path string) map[string]any {
		n := c
		for _, s := range strings.Split(path, "/")[1:] {
			n = n[s].(map[string]any)
		}
		return n
	}
	add := func(path, what string, f func(n map[string]any)) {
		c := clone()
		f(at(c, path))
		out = append(out, mutation{path + ": " + what, c})
	}
	walk = func(n map[string]any, path string) {
		if props, ok := n["properties"].(map[string]any); ok {
			for p := range props {
				if p == "@odata.type" {
					continue // its enum is checked when the set loads
				}
				add(path, "drop property "+p, func(m map[string]any) { delete(m["properties"].(map[string]any), p) })
			}
		}
		if ap, ok := n["additionalProperties"].(bool); ok {
			add(path, "flip additionalProperties", func(m map[string]any) { m["additionalProperties"] = !ap })
		}
		if enum, ok := n["enum"].([]any); ok && !strings.HasSuffix(path, "/@odata.type") {
			for i := range enum {
				add(path, fmt.Sprintf("drop enum member %v", enum[i]), func(m map[string]any) {
					m["enum"] = slices.Delete(slices.Clone(m["enum"].([]any)), i, i+1)
				})
			}
			add(path, "add an enum member", func(m map[string]any) { m["enum"] = append(slices.Clone(m["enum"].([]any)), "pstn") })
		}
		switch typ := n["type"].(type) {
		case []any:
			add(path, "drop null", func(m map[string]any) { m["type"] = typ[0] })
			other := "boolean"
			if typ[0] == "boolean" {
				other = "string"
			}
			add(path, "change type", func(m map[string]any) { m["type"] = []any{other, "null"} })
		case string:
			if _, enum := n["enum"]; typ != "object" && !enum {
				add(path, "add null", func(m map[string]any) { m["type"] = []any{typ, "null"} })
			}
		}
		if c, ok := n["if"].(map[string]any); ok {
			if c["type"] == "null" {
				add(path, "not nullable", func(m map[string]any) {
					delete(m, "if")
					m["$ref"] = m["else"].(map[string]any)["$ref"]
					delete(m, "else")
				})
			} else {
				add(path, "break the dispatch", func(m map[string]any) {
					m["if"].(map[string]any)["properties"].(map[string]any)["@odata.type"] = map[string]any{"enum": []any{"microsoft.graph.callconfMutant"}}
				})
			}
		}
		for _, kw := range []string{"properties", "definitions"} {
			if mm, ok := n[kw].(map[string]any); ok {
				for k, sub := range mm {
					if s, ok := sub.(map[string]any); ok && !strings.Contains(k, "/") && k != "@odata.type" {
						walk(s, path+"/"+kw+"/"+k)
					}
				}
			}
		}
		for _, kw := range []string{"else", "then", "items"} {
			if s, ok := n[kw].(map[string]any); ok {
				walk(s, path+"/"+kw)
			}
		}
	}
	walk(root, "")
	return out
}

// Each mutation of the documents that carry derived types changes the verdict on some fixture (or
// makes the set fail to load): the fixtures pin every rule of those documents down.
func TestEachMutationFailsAFixture(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the schemas once per mutation")
	}
	all, err := fixtures.All()
	if err != nil {
		t.Fatal(err)
	}
	v := validator(t)
	want := make([]string, len(all))
	for i, f := range all {
		res, err := v.Validate(f.Kind, f.Body)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = verdict(res)
	}
	total := 0
	for _, name := range []string{"identity.json", "identitySet.json", "meetingInfo.json"} {
		for _, m := range mutations(decodeDocument(t, name)) {
			total++
			b, _ := json.Marshal(m.doc)
			mv, err := schemas.NewWithDocuments(map[string][]byte{name: b})
			if err != nil {
				continue // the set does not load: caught
			}
			caught := false
			for i, f := range all {
				res, err := mv.Validate(f.Kind, f.Body)
				if err != nil || verdict(res) != want[i] {
					caught = true
					break
				}
			}
			if !caught {
				t.Errorf("%s%s: no fixture notices", name, m.name)
			}
		}
	}
	t.Logf("%d mutations, each caught", total)
	if total < 100 {
		t.Errorf("only %d mutations", total)
	}
}
