package check

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func mustDecode(t *testing.T, s string) any {
	t.Helper()
	v, err := Decode([]byte(s))
	if err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
	return v
}

func TestContains(t *testing.T) {
	cases := []struct {
		name, sent, got string
		want            []string // pointers of violations
	}{
		{"equal scalars", `{"a":"x"}`, `{"a":"x","b":1}`, nil},
		{"different string", `{"a":"x"}`, `{"a":"y"}`, []string{"/a"}},
		{"absent", `{"a":"x","b":"y"}`, `{}`, []string{"/a", "/b"}},
		{"int64 exact", `{"n":9223372036854775807}`, `{"n":9223372036854775807}`, nil},
		{"int64 rounded by float64", `{"n":9223372036854775807}`, `{"n":9223372036854775808}`, []string{"/n"}},
		{"10 equals 10.0", `{"n":10}`, `{"n":10.0}`, nil},
		{"1e1 equals 10", `{"n":1e1}`, `{"n":10}`, nil},
		{"number as string", `{"n":10}`, `{"n":"10"}`, []string{"/n"}},
		{"nested contains", `{"o":{"a":1}}`, `{"o":{"a":1,"b":2}}`, nil},
		{"nested differs", `{"o":{"a":1,"c":{"d":true}}}`, `{"o":{"a":2,"c":{"d":false}}}`, []string{"/o/a", "/o/c/d"}},
		{"array exact", `{"x":[1,2]}`, `{"x":[1,2,3]}`, []string{"/x"}},
		{"array order", `{"x":["a","b"]}`, `{"x":["b","a"]}`, []string{"/x/0", "/x/1"}},
		{"odata type hash", `{"@odata.type":"microsoft.graph.call"}`, `{"@odata.type":"#microsoft.graph.call"}`, nil},
		{"odata type wrong", `{"@odata.type":"#microsoft.graph.call"}`, `{"@odata.type":"#microsoft.graph.event"}`, []string{"/@odata.type"}},
		{"odata annotation dropped", `{"@odata.type":"x","@odata.id":"y","a":1}`, `{"a":1}`, nil},
		{"target answered as invitationParticipantInfo", `{"targets":[{"@odata.type":"#microsoft.graph.participantInfo","identity":{}}]}`, `{"targets":[{"@odata.type":"#microsoft.graph.invitationParticipantInfo","identity":{},"hidden":false}]}`, nil},
		{"invitationParticipantInfo target answered as participantInfo", `{"targets":[{"@odata.type":"microsoft.graph.invitationParticipantInfo"}]}`, `{"targets":[{"@odata.type":"#microsoft.graph.participantInfo"}]}`, nil},
		{"source answered as invitationParticipantInfo", `{"source":{"@odata.type":"#microsoft.graph.participantInfo"}}`, `{"source":{"@odata.type":"#microsoft.graph.invitationParticipantInfo"}}`, []string{"/source/@odata.type"}},
		{"target's identity answered as invitationParticipantInfo", `{"targets":[{"identity":{"@odata.type":"#microsoft.graph.identitySet"}}]}`, `{"targets":[{"identity":{"@odata.type":"#microsoft.graph.invitationParticipantInfo"}}]}`, []string{"/targets/0/identity/@odata.type"}},
		{"target answered as another type", `{"targets":[{"@odata.type":"#microsoft.graph.participantInfo"}]}`, `{"targets":[{"@odata.type":"#microsoft.graph.participant"}]}`, []string{"/targets/0/@odata.type"}},
		{"null matches absent", `{"a":null}`, `{}`, nil},
		{"null vs value", `{"a":null}`, `{"a":"x"}`, []string{"/a"}},
		{"escaped pointer", `{"a/b":{"c~d":1}}`, `{"a/b":{"c~d":2}}`, []string{"/a~1b/c~0d"}},
		{"huge exponent never equal unless same spelling", `{"n":1e20000000}`, `{"n":1e20000001}`, []string{"/n"}},
		{"huge exponent same spelling", `{"n":1e20000000}`, `{"n":1e20000000}`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vs := Contains(mustDecode(t, c.sent), mustDecode(t, c.got), "")
			var got []string
			for _, v := range vs {
				got = append(got, v.Pointer)
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Fatalf("violations at %v, want %v: %v", got, c.want, vs)
			}
		})
	}
}

// TestContainsProps: only the properties named that the request set are checked, each at its
// own pointer, every difference sorted; what ContainsAt finds per property, all together.
func TestContainsProps(t *testing.T) {
	sent := mustDecode(t, `{"subject":"s","requestedModalities":["audio"],"direction":"outgoing","x":1}`).(map[string]any)
	props := []string{"subject", "requestedModalities", "callRoutes"}
	for _, c := range []struct {
		name, got string
		want      []string // pointers of violations
	}{
		{"as sent", `{"subject":"s","requestedModalities":["audio"],"direction":"incoming"}`, nil},
		{"both differ", `{"subject":"t","requestedModalities":["video"]}`, []string{"/requestedModalities/0", "/subject"}},
		{"one absent", `{"requestedModalities":["audio"]}`, []string{"/subject"}},
		{"none", `{}`, []string{"/requestedModalities", "/subject"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := mustDecode(t, c.got).(map[string]any)
			vs := ContainsProps(sent, got, props)
			var ptrs []string
			var each []Mismatch
			for _, v := range vs {
				ptrs = append(ptrs, v.Pointer)
			}
			for _, k := range props {
				if v, set := sent[k]; set {
					w, present := got[k]
					each = append(each, ContainsAt(v, w, present, Pointer("", k))...)
				}
			}
			Sort(each)
			if strings.Join(ptrs, ",") != strings.Join(c.want, ",") || !reflect.DeepEqual(vs, each) {
				t.Fatalf("violations %v, want at %v and as ContainsAt finds them: %v", vs, c.want, each)
			}
		})
	}
}

func TestDecodeRejectsHostileBodies(t *testing.T) {
	for name, body := range map[string]string{
		"empty":     "",
		"truncated": `{"a":`,
		"trailing":  `{} {}`,
		"junk":      `{} x`,
		"bad utf8":  "{\"a\":\"\xff\"}",
		"deep":      strings.Repeat("[", 100000) + strings.Repeat("]", 100000),
		"bom":       "\xef\xbb\xbf{}",
	} {
		if _, err := Decode([]byte(body)); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

func TestGraphError(t *testing.T) {
	ok := `{"error":{"code":"badRequest","message":"bad","innerError":{"request-id":"r","date":"d"}}}`
	if vs := GraphError([]byte(ok)); len(vs) != 0 {
		t.Fatalf("valid error body judged invalid: %v", vs)
	}
	if vs := InnerError([]byte(ok)); len(vs) != 0 {
		t.Fatalf("valid innerError judged invalid: %v", vs)
	}
	lower := `{"error":{"code":"x","message":"","innererror":{"request-id":"r","date":"d"}}}`
	if vs := InnerError([]byte(lower)); len(vs) != 0 {
		t.Fatalf("lower-case innererror judged invalid: %v", vs)
	}
	for body, want := range map[string]int{
		`{"error":{"code":"","message":1}}`: 2,
		`{"message":"x"}`:                   1,
		`not json`:                          1,
		`{"error":"text"}`:                  1,
	} {
		if vs := GraphError([]byte(body)); len(vs) != want {
			t.Errorf("%s: %d violations, want %d: %v", body, len(vs), want, vs)
		}
	}
	if vs := InnerError([]byte(`{"error":{"code":"x","message":"y"}}`)); len(vs) != 1 {
		t.Errorf("missing innerError not reported: %v", vs)
	}
}

func TestHeaders(t *testing.T) {
	h := http.Header{}
	h.Add("Allow", "GET")
	h.Add("Allow", "DELETE, PATCH")
	if vs := AllowLists(h, "PATCH"); vs != nil {
		t.Fatal(vs)
	}
	// Method names are case-sensitive (RFC 9110 §9.1): "patch" is another method.
	if vs := AllowLists(http.Header{"Allow": {"GET, patch"}}, "PATCH"); len(vs) != 1 {
		t.Fatal("a lower-case patch passed for PATCH")
	}
	if vs := AllowLists(http.Header{"Allow": {"GET, DELETE"}}, "PATCH"); len(vs) != 1 {
		t.Fatal("missing PATCH not reported")
	}
	if vs := HeaderPresent(http.Header{}, "request-id"); len(vs) != 1 {
		t.Fatal("missing header not reported")
	}
	if !IsJSONMediaType("application/json;odata.metadata=minimal;charset=utf-8") || IsJSONMediaType("text/json") {
		t.Fatal("media type judged wrong")
	}
}

func TestNumberEqual(t *testing.T) {
	if !NumberEqual(json.Number("-0"), json.Number("0")) || NumberEqual(json.Number("1"), json.Number("1.0000000000000000000001")) {
		t.Fatal("exact comparison broken")
	}
}
