package schemas

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// GraphNamespace is the namespace of every type the contract names in "@odata.type".
const GraphNamespace = "microsoft.graph."

// otherKnownTypes are Microsoft Graph types that no type of a call derives from. Naming one where
// a call, identitySet or identity is declared is a violation, not an unknown type.
var otherKnownTypes = []string{"entity", "callRecord", "participant", "onlineMeeting", "commsOperation",
	"user", "application", "device", "event", "chat", "chatMessage", "team", "channel"}

// maxTypeNameBytes bounds an "@odata.type" value that can name a type (well under MaxValueBytes).
const maxTypeNameBytes = 128

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// typeInfo is what the Validator knows about "@odata.type" values.
type typeInfo struct {
	known map[string]bool // every type name the contract knows (without namespace)
	// withoutSchema lists, per declared open type, the types Graph derives from it that have no
	// schema of their own: a response value that names one is validated as the declared type
	// and noted.
	withoutSchema map[string][]string
	open          map[string]bool   // open declared types (additionalProperties true as written)
	allowed       map[string]string // gojsonschema's "allowed" detail of an @odata.type enum → declared type
}

// loadTypeInfo gathers every type an embedded document names in an "@odata.type" enum, whether
// that type is open, and the other types the contract knows.
func (m *model) loadTypeInfo() (*typeInfo, error) {
	ti := &typeInfo{known: map[string]bool{}, open: map[string]bool{}, allowed: map[string]string{}}
	var errs []string
	for _, name := range m.names {
		base := strings.TrimSuffix(name, ".json")
		if base != "request" && base != "error" {
			ti.known[base] = true
		}
		walkJSON(m.byID[documentID(name)], func(node map[string]any) {
			props, _ := node["properties"].(map[string]any)
			odt, _ := props["@odata.type"].(map[string]any)
			enum, _ := odt["enum"].([]any)
			if len(enum) == 0 {
				return
			}
			typ, err := enumType(enum)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s: %v", name, err))
				return
			}
			ti.known[typ] = true
			ti.open[typ] = node["additionalProperties"] == true
			quoted := make([]string, len(enum))
			for i, e := range enum {
				b, _ := json.Marshal(e)
				quoted[i] = string(b)
			}
			ti.allowed[strings.Join(quoted, ", ")] = typ
		})
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return nil, fmt.Errorf("@odata.type enums: %s", strings.Join(errs, "; "))
	}
	ti.withoutSchema = map[string][]string{}
	for base, names := range derivedTypes {
		for _, n := range names {
			if !ti.known[n] && ti.open[base] {
				ti.withoutSchema[base] = append(ti.withoutSchema[base], n)
			}
		}
		for _, n := range names {
			ti.known[n] = true
		}
	}
	for _, n := range otherKnownTypes {
		ti.known[n] = true
	}
	return ti, nil
}

// enumType checks that an "@odata.type" enum is exactly one qualified name with and without "#"
// and returns the name without namespace.
func enumType(enum []any) (string, error) {
	if len(enum) != 2 {
		return "", fmt.Errorf("@odata.type enum %v: want one type name with and without '#'", enum)
	}
	a, _ := enum[0].(string)
	b, _ := enum[1].(string)
	typ := strings.TrimPrefix(a, GraphNamespace)
	if b != "#"+a || typ == a || !identifier.MatchString(typ) {
		return "", fmt.Errorf("@odata.type enum %v: want [%q, %q]", enum, GraphNamespace+"T", "#"+GraphNamespace+"T")
	}
	return typ, nil
}

// graphTypeName returns the type name of an "@odata.type" value in the Graph namespace, with or
// without the leading "#", or "" when the value names no such type.
func graphTypeName(value string) string {
	if len(value) > maxTypeNameBytes {
		return ""
	}
	rest, ok := strings.CutPrefix(strings.TrimPrefix(value, "#"), GraphNamespace)
	if !ok || !identifier.MatchString(rest) {
		return ""
	}
	return rest
}

// tolerated decides whether a response value that carries "@odata.type" value where declared is
// declared (and its enum failed) is accepted with a note, and returns the note's message. Only
// open declared types that Graph derives types from tolerate types they do not know (the call is
// open but has none: any type but its own is a violation, the contract's "Derived types"); a type
// the contract knows that does not derive from the declared one stays a violation.
func (ti *typeInfo) tolerated(declared, value string) (string, bool) {
	typ := graphTypeName(value)
	if typ == "" || !ti.open[declared] || len(derivedTypes[declared]) == 0 {
		return "", false
	}
	if slices.Contains(ti.withoutSchema[declared], typ) {
		return fmt.Sprintf("type %q derives from %s but has no schema in the contract: validated as %s (tolerated in a response)", value, declared, declared), true
	}
	if ti.known[typ] {
		return "", false
	}
	return fmt.Sprintf("unknown type %q: validated as the declared type %s (tolerated in a response)", value, declared), true
}

// toleratedIn is tolerated for a document of the given kind. A request tolerates only the types
// Graph v1.0 derives from an open declared type without a schema in the contract (validated as the
// declared type, with a note); any other type it does not know stays a violation, so a misspelt
// type is caught.
func (ti *typeInfo) toleratedIn(kind Kind, declared, value string) (string, bool) {
	switch kind {
	case KindResponse:
		return ti.tolerated(declared, value)
	case KindRequest:
		typ := graphTypeName(value)
		if typ == "" || !ti.open[declared] || !slices.Contains(ti.withoutSchema[declared], typ) {
			return "", false
		}
		return fmt.Sprintf("type %q is not in the seed's table; known in Graph v1.0, derived from %s: validated as %s", value, declared, declared), true
	}
	return "", false
}

// v1Message is the note on a request property the seed's table lacks and Graph v1.0 has; for
// "@odata.type", value is the type it names.
func v1Message(name, value string) string {
	if name == "@odata.type" {
		return fmt.Sprintf("type %q is not in the seed's table; known in Graph v1.0", value)
	}
	return fmt.Sprintf("property %q is not in the seed's table; known in Graph v1.0", name)
}
