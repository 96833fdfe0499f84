package schemas_test

import (
	"encoding/json"
	"math/big"
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

// Graph v1.0's additions are the request form's only: a response notes them as unknown
// properties, as before, and keeps judging an invitationParticipantInfo target by the seed's
// participantInfo.
func TestGraphV1AdditionsOnlyInRequests(t *testing.T) {
	v := validator(t)
	doc := []byte(`{"id": "x", "callChainId": "c", "source": {"identity": {}, "countryCode": "US"}, "targets": [{"identity": {}, "hidden": true}]}`)
	validWithNotes(t, v, schemas.KindRequest, doc, 3, "not in the seed's table; known in Graph v1.0")
	validWithNotes(t, v, schemas.KindResponse, doc, 3, "tolerated in a response")
	typed := []byte(`{"id": "x", "targets": [{"@odata.type": "#microsoft.graph.invitationParticipantInfo", "identity": {}}]}`)
	if res, _ := v.Validate(schemas.KindResponse, typed); res.Valid() {
		t.Errorf("a response target typed invitationParticipantInfo: %+v (the response form is unchanged)", res)
	}
	if res, _ := v.Validate(schemas.KindRequest, typed); !res.Valid() || len(res.Notes) != 1 {
		t.Errorf("a request target typed invitationParticipantInfo: %+v", res)
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
