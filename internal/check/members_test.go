package check

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"testing"
	"unicode/utf8"
)

// slowDecode is Decode without its fast path: json.Decoder with UseNumber, one value, nothing
// but white space after it. Decode, DecodeObject and Members must agree with it.
func slowDecode(body []byte) (any, error) {
	if !utf8.Valid(body) {
		return nil, fmt.Errorf("%w: invalid UTF-8", ErrNotJSON)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotJSON, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the first value", ErrNotJSON)
	}
	return v, nil
}

// TestDecodeAgreesWithJSONDecoder: Decode's one-pass path for well-formed bodies returns what
// json.Decoder returns, and fails where it fails.
func TestDecodeAgreesWithJSONDecoder(t *testing.T) {
	for _, b := range membersBodies {
		checkDecode(t, []byte(b))
	}
}

// TestDecodeRefusesDataAfterTheValue: a body is one JSON value and nothing else but white space;
// junk after it that is not a second value ("}", ",", "x") is refused like a second value is,
// by Decode, DecodeObject and Members alike.
func TestDecodeRefusesDataAfterTheValue(t *testing.T) {
	for _, b := range []string{`{"id":"a"} x`, `{"id":"a"}}`, `{"id":"a"},`, `{"id":"a"}]`, `{"id":"a"}:`, `{"id":"a"} {}`, `"s" "t"`, `1 x`} {
		if v, err := Decode([]byte(b)); !errors.Is(err, ErrNotJSON) {
			t.Errorf("Decode(%q) = %#v, %v; want ErrNotJSON", b, v, err)
		}
		if v, err := DecodeObject([]byte(b)); !errors.Is(err, ErrNotJSON) {
			t.Errorf("DecodeObject(%q) = %#v, %v; want ErrNotJSON", b, v, err)
		}
		if v, ok := Members([]byte(b), "id"); ok {
			t.Errorf("Members(%q) = %#v; want declined", b, v)
		}
	}
	for _, b := range []string{`{"id":"a"}`, " {\"id\":\"a\"} \r\n\t"} {
		if _, err := DecodeObject([]byte(b)); err != nil {
			t.Errorf("DecodeObject(%q): %v", b, err)
		}
	}
}

func checkDecode(t *testing.T, body []byte) {
	t.Helper()
	got, err := Decode(body)
	want, werr := slowDecode(body)
	if (err == nil) != (werr == nil) || !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: Decode %#v (%v), json.Decoder %#v (%v)", body, got, err, want, werr)
	}
	if err != nil && !errors.Is(err, ErrNotJSON) {
		t.Fatalf("%q: %v is not ErrNotJSON", body, err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, b := range membersBodies {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkDecode(t, body) })
}

// membersBodies are bodies on which Members must agree with DecodeObject: nested values,
// escapes in keys and strings, duplicates, numbers, and bodies that are not objects at all.
var membersBodies = []string{
	`{"id":"c1","subject":"s","n":12.50,"deep":{"id":"inner","a":[1,{"id":"x"}]},"id":"c2"}`,
	`  {"\u0069d" : "escaped key", "sub\"ject":"q", "s":"}]\"{["}  `,
	`{"id":null,"t":true,"f":false,"e":[],"o":{}}`,
	`{"requestedModalities":["audio","video"],"subject":"a\u00e9b","id":"\ud83d\ude00"}`,
	`{"id":1e400}`, `{}`, `[]`, `"id"`, `null`, ``, ` `, `{"id":"a"} x`, `{"id":"a"}{}`,
	`{"id":"a"`, "{\"id\":\"\xff\"}", `{"id":"a",}`, `{"a":[[[[{"id":1}]]]]}`,
	`{"id":"a"}}`, `{"id":"a"},`, `{"id":"a"}]`, `{"id":"a"}:`, "{\"id\":\"a\"}\n\t ",
}

// TestMembersAgreesWithDecodeObject: wherever Members answers, it answers what DecodeObject
// (json.Decoder) would, member by member; it declines exactly the bodies DecodeObject refuses.
func TestMembersAgreesWithDecodeObject(t *testing.T) {
	for _, b := range membersBodies {
		checkMembers(t, []byte(b), "id", "subject", "requestedModalities", "sub\"ject")
	}
}

func checkMembers(t *testing.T, body []byte, names ...string) {
	t.Helper()
	v, err := slowDecode(body)
	obj, isObj := v.(map[string]any)
	if err == nil && !isObj {
		err = errors.New("not an object")
	}
	for k := range obj { // every member, so nested values are compared too
		names = append(names, k)
	}
	got, ok := Members(body, names...)
	if !ok {
		if err == nil {
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
