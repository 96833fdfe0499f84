package reference

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/callconf/callconf/schemas"
)

// object is a decoded JSON object whose values stay the raw bytes the client sent, so numbers
// and strings are never re-encoded.
type object map[string]json.RawMessage

// isObject reports whether raw (valid JSON) is an object.
func isObject(raw []byte) bool {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	return len(raw) > 0 && raw[0] == '{'
}

// parseObject decodes the valid JSON object raw one level deep.
func parseObject(raw []byte) (object, error) {
	if !isObject(raw) {
		return nil, errors.New("not a JSON object")
	}
	o := object{}
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, err
	}
	return o, nil
}

// stringValue returns the string raw holds, and whether it holds one.
func stringValue(raw json.RawMessage) (string, bool) {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// odataType returns an object's @odata.type without a leading "#", or "".
func odataType(o object) string {
	s, _ := stringValue(o["@odata.type"])
	return strings.TrimPrefix(s, "#")
}

// callOrder is the order in which the top-level properties of a call are written: the seed's
// table, as call.json lists it, after the call's @odata.type.
var callOrder = append([]string{"@odata.type"}, schemas.CallProperties()...)

// encode writes o compactly and deterministically: the keys named in order first, in that order,
// then "@odata.*" annotations, then the rest sorted. Values are written as they were received,
// less insignificant whitespace; nothing is HTML-escaped.
func (o object) encode(order []string) []byte {
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	rank := func(k string) int {
		if i := slices.Index(order, k); i >= 0 {
			return i
		}
		if strings.HasPrefix(k, "@") {
			return len(order)
		}
		return len(order) + 1
	}
	slices.SortFunc(keys, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		writeString(&buf, k)
		buf.WriteByte(':')
		if err := json.Compact(&buf, o[k]); err != nil {
			// Values come from json.Unmarshal of valid JSON; this cannot happen.
			panic(fmt.Sprintf("reference: stored value of %q is not JSON: %v", k, err))
		}
	}
	buf.WriteByte('}')
	return buf.Bytes()
}

// writeString writes s as a JSON string without HTML escaping.
func writeString(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)           // a string always encodes
	buf.Truncate(buf.Len() - 1) // the newline Encode adds
}

// merge applies patch to cur by the package's partial-update rules and returns the result; cur is
// not modified. With replaceNested, objects found at the top level of patch replace the stored ones
// whole.
func merge(cur, patch object, replaceNested bool) object {
	out := make(object, len(cur)+len(patch))
	for k, v := range cur {
		out[k] = v
	}
	for k, pv := range patch {
		if !replaceNested {
			if cv, ok := out[k]; ok && isObject(cv) && isObject(pv) {
				if merged, ok := mergeRaw(cv, pv); ok {
					out[k] = merged
					continue
				}
			}
		}
		out[k] = pv
	}
	return out
}

// mergeRaw merges two raw JSON objects recursively; ok is false when both name an @odata.type and
// the types differ, in which case the patch's value replaces the stored one.
func mergeRaw(cur, patch json.RawMessage) (json.RawMessage, bool) {
	co, err1 := parseObject(cur)
	po, err2 := parseObject(patch)
	if err1 != nil || err2 != nil {
		return nil, false
	}
	if pt, ct := odataType(po), odataType(co); pt != "" && ct != "" && pt != ct {
		return nil, false
	}
	return merge(co, po, false).encode(nil), true
}

// canonical rewrites the valid JSON value raw with every object's keys in the order encode uses
// (annotations first, then sorted) and no insignificant whitespace, so that a value reads the same
// whether it was stored as sent or produced by a merge. Scalars keep their bytes.
func canonical(raw json.RawMessage) json.RawMessage {
	t := bytes.TrimLeft(raw, " \t\r\n")
	if len(t) == 0 {
		return raw
	}
	switch t[0] {
	case '{':
		o, err := parseObject(t)
		if err != nil {
			return raw
		}
		for k, v := range o {
			o[k] = canonical(v)
		}
		return o.encode(nil)
	case '[':
		var items []json.RawMessage
		if json.Unmarshal(t, &items) != nil {
			return raw
		}
		var buf bytes.Buffer
		buf.WriteByte('[')
		for i, it := range items {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.Write(canonical(it))
		}
		buf.WriteByte(']')
		return buf.Bytes()
	default:
		var buf bytes.Buffer
		if json.Compact(&buf, t) != nil {
			return raw
		}
		return buf.Bytes()
	}
}
