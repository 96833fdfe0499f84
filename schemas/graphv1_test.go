package schemas_test

import (
	"encoding/json"
	"math/big"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/callconf/callconf/schemas"
)

// Every body the conformance suite generates for ERR-02 from RequestFields (a value outside the
// enum, a wrong JSON type, null where not nullable, an integer past a bound) stays invalid in the
// request form that notes Graph v1.0's properties: those properties are never fields.
func TestERR02CasesStayInvalid(t *testing.T) {
	v := validator(t)
	n := 0
	for _, f := range v.RequestFields() {
		var values []string
		if len(f.Enum) > 0 {
			values = append(values, `"callconfNotAMember"`)
		}
		for typ, wrong := range map[string]string{"string": `"callconf-wrong-type"`, "integer": `42`, "boolean": `true`, "object": `{"callconf": "wrong-type"}`, "array": `["callconf-wrong-type"]`} {
			if !slices.Contains(f.Types, typ) && !(typ == "integer" && slices.Contains(f.Types, "number")) {
				values = append(values, wrong)
				break
			}
		}
		if !f.Nullable {
			values = append(values, "null")
		}
		for _, b := range []struct {
			bound string
			delta int64
		}{{f.Maximum, 1}, {f.Minimum, -1}} {
			if x, ok := new(big.Int).SetString(b.bound, 10); ok {
				values = append(values, x.Add(x, big.NewInt(b.delta)).String())
			}
		}
		for _, val := range values {
			n++
			body := bodyAt(f.Pointer, val)
			res, err := v.Validate(schemas.KindRequest, []byte(body))
			if err != nil || res.Valid() {
				t.Errorf("%s is not invalid: %+v, %v", body, res, err)
			}
		}
	}
	if n < 50 {
		t.Errorf("only %d cases", n)
	}
}

// bodyAt builds the smallest document with value at pointer (array items as "/0").
func bodyAt(pointer, value string) string {
	segs, _ := schemas.SplitPointer(pointer)
	doc := value
	for i := len(segs) - 1; i >= 0; i-- {
		if segs[i] == "0" && i > 0 {
			doc = "[" + doc + "]"
			continue
		}
		key, _ := json.Marshal(segs[i])
		doc = "{" + string(key) + ": " + doc + "}"
	}
	return doc
}

// Graph v1.0's additions to the seed's types are the request form's only: a response notes them
// as unknown properties, as before. A target typed invitationParticipantInfo, Graph v1.0's type for
// a call's targets, is noted the same way in both (TestResponseTargetTypedInvitation).
func TestGraphV1AdditionsOnlyInRequests(t *testing.T) {
	v := validator(t)
	doc := []byte(`{"id": "x", "callChainId": "c", "source": {"identity": {}, "countryCode": "US"}, "targets": [{"identity": {}, "hidden": true}]}`)
	validWithNotes(t, v, schemas.KindRequest, doc, 3, "not in the seed's table; known in Graph v1.0")
	validWithNotes(t, v, schemas.KindResponse, doc, 3, "tolerated in a response")
	typed := []byte(`{"id": "x", "targets": [{"@odata.type": "#microsoft.graph.invitationParticipantInfo", "identity": {}}]}`)
	for _, k := range []schemas.Kind{schemas.KindRequest, schemas.KindResponse} {
		validWithNotes(t, v, k, typed, 1, "not in the seed's table; known in Graph v1.0")
	}
}

// A Graph v1.0 service answers a call's targets typed invitationParticipantInfo: in a response such
// a target is judged as that type (an invalid value of one of its properties is still a
// violation) and noted, on both paths; anywhere else the type stays a violation.
func TestResponseTargetTypedInvitation(t *testing.T) {
	v := validator(t)
	const v1 = "not in the seed's table; known in Graph v1.0"
	for _, c := range []struct {
		name, doc  string
		violations []string // pointer and keyword of each violation
		notes      []string // pointer and message fragment of each note
	}{
		{"every property", `{"id": "x", "targets": [{"@odata.type": "#microsoft.graph.invitationParticipantInfo", "identity": {"user": {"id": "u"}}, "endpointType": "default", "hidden": false, "participantId": "p", "removeFromDefaultAudioRoutingGroup": true, "replacesCallId": null}]}`,
			nil, []string{"/targets/0/@odata.type " + v1, "/targets/0/endpointType " + v1, "/targets/0/hidden " + v1, "/targets/0/participantId " + v1,
				"/targets/0/removeFromDefaultAudioRoutingGroup " + v1, "/targets/0/replacesCallId " + v1}},
		{"without #, beside a participantInfo", `{"id": "x", "targets": [{"@odata.type": "#microsoft.graph.participantInfo", "identity": {}}, {"@odata.type": "microsoft.graph.invitationParticipantInfo", "identity": {}}]}`,
			nil, []string{"/targets/1/@odata.type " + v1}},
		{"a property of neither type", `{"id": "x", "targets": [{"@odata.type": "#microsoft.graph.invitationParticipantInfo", "identity": {}, "region": "r"}]}`,
			nil, []string{"/targets/0/@odata.type " + v1, "/targets/0/region tolerated in a response"}},
		{"hidden not a boolean", `{"id": "x", "targets": [{"@odata.type": "#microsoft.graph.invitationParticipantInfo", "identity": {}, "hidden": "yes"}]}`,
			[]string{"/targets/0/hidden type"}, []string{"/targets/0/@odata.type " + v1, "/targets/0/hidden " + v1}},
		{"endpointType outside its enum", `{"id": "x", "targets": [{"@odata.type": "#microsoft.graph.invitationParticipantInfo", "identity": {}, "endpointType": "Voicemail"}]}`,
			[]string{"/targets/0/endpointType enum"}, []string{"/targets/0/@odata.type " + v1, "/targets/0/endpointType " + v1}},
		{"identity null", `{"id": "x", "targets": [{"@odata.type": "#microsoft.graph.invitationParticipantInfo", "identity": null}]}`,
			[]string{"/targets/0/identity type"}, []string{"/targets/0/@odata.type " + v1}},
		{"source", `{"id": "x", "source": {"@odata.type": "#microsoft.graph.invitationParticipantInfo", "identity": {}}}`,
			[]string{"/source/@odata.type enum"}, nil},
		{"a target's identity", `{"id": "x", "targets": [{"identity": {"@odata.type": "#microsoft.graph.invitationParticipantInfo"}}]}`,
			[]string{"/targets/0/identity/@odata.type enum"}, nil},
		{"untyped target keeps the seed's participantInfo", `{"id": "x", "targets": [{"identity": {}, "hidden": "yes"}]}`,
			nil, []string{"/targets/0/hidden tolerated in a response"}},
	} {
		full, err := v.ValidateFull(schemas.KindResponse, []byte(c.doc))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var gotV []string
		for _, x := range full.Violations {
			gotV = append(gotV, x.Pointer+" "+x.Keyword)
		}
		if !slices.Equal(gotV, c.violations) {
			t.Errorf("%s: violations %q, want %q", c.name, gotV, c.violations)
		}
		if len(full.Notes) != len(c.notes) {
			t.Errorf("%s: notes %+v, want %q", c.name, full.Notes, c.notes)
		} else {
			for i, n := range full.Notes {
				ptr, text, _ := strings.Cut(c.notes[i], " ")
				if n.Pointer != ptr || !strings.Contains(n.Message, text) {
					t.Errorf("%s: note %+v, want %q", c.name, n, c.notes[i])
				}
			}
		}
		fast, ok := v.ValidateFast(schemas.KindResponse, []byte(c.doc))
		if ok != full.Valid() || ok && !reflect.DeepEqual(fast, full) {
			t.Errorf("%s: fast path %v %+v, full path %+v", c.name, ok, fast, full)
		}
	}
}

// validWithNotes fails the test unless doc is valid as kind with n notes, each holding text.
func validWithNotes(t *testing.T, v *schemas.Validator, kind schemas.Kind, doc []byte, n int, text string) {
	t.Helper()
	res, err := v.Validate(kind, doc)
	if err != nil || !res.Valid() || len(res.Notes) != n {
		t.Fatalf("%s: %+v, %v", kind, res, err)
	}
	for _, note := range res.Notes {
		if !strings.Contains(note.Message, text) {
			t.Errorf("%s note %+v", kind, note)
		}
	}
}
