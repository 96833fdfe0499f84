package check

import (
	"encoding/json"
	"reflect"
	"testing"
)

// membersBodies are bodies on which Members must agree with DecodeObject: nested values,
// escapes in keys and strings, duplicates, numbers, and bodies that are not objects at all.
var membersBodies = []string{
	`{"id":"c1","subject":"s","n":12.50,"deep":{"id":"inner","a":[1,{"id":"x"}]},"id":"c2"}`,
	`  {"\u0069d" : "escaped key", "sub\"ject":"q", "s":"}]\"{["}  `,
	`{"id":null,"t":true,"f":false,"e":[],"o":{}}`,
	`{"requestedModalities":["audio","video"],"subject":"a\u00e9b","id":"\ud83d\ude00"}`,
	`{"id":1e400}`, `{}`, `[]`, `"id"`, `null`, ``, ` `, `{"id":"a"} x`, `{"id":"a"}{}`,
	`{"id":"a"`, "{\"id\":\"\xff\"}", `{"id":"a",}`, `{"a":[[[[{"id":1}]]]]}`,
}

// TestMembersAgreesWithDecodeObject: wherever Members answers, it answers what DecodeObject
// would, member by member; where it declines, DecodeObject fails or the body is one it leaves
// to DecodeObject (trailing data that json.Decoder tolerates).
func TestMembersAgreesWithDecodeObject(t *testing.T) {
	for _, b := range membersBodies {
		checkMembers(t, []byte(b), "id", "subject", "requestedModalities", "sub\"ject")
	}
}

func checkMembers(t *testing.T, body []byte, names ...string) {
	t.Helper()
	obj, err := DecodeObject(body)
	for k := range obj { // every member, so nested values are compared too
		names = append(names, k)
	}
	got, ok := Members(body, names...)
	if !ok {
		if err == nil && json.Valid(body) {
			t.Fatalf("%q: Members declined a body DecodeObject takes", body)
		}
		return
	}
	if err != nil {
		t.Fatalf("%q: Members took a body DecodeObject refuses: %v", body, err)
	}
	want := map[string]any{}
	for _, n := range names {
		if v, ok := obj[n]; ok {
			want[n] = v
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: Members %#v, DecodeObject %#v", body, got, want)
	}
}

func FuzzMembers(f *testing.F) {
	for _, b := range membersBodies {
		f.Add([]byte(b), "id")
	}
	f.Fuzz(func(t *testing.T, body []byte, name string) {
		checkMembers(t, body, name, "id")
	})
}
