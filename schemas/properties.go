package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// callProperty is one top-level property of the call, as call.json declares it.
type callProperty struct {
	name     string
	readOnly bool // "readOnly": true marks what the server generates
}

// callProperties reads call.json's properties once, in the order the file (the seed's table)
// lists them.
var callProperties = sync.OnceValues(func() ([]callProperty, error) {
	doc, err := files.ReadFile("call.json")
	if err != nil {
		return nil, err
	}
	var call struct{ Properties json.RawMessage }
	if err := json.Unmarshal(doc, &call); err != nil {
		return nil, fmt.Errorf("call.json: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(call.Properties))
	if _, err := dec.Token(); err != nil { // {
		return nil, fmt.Errorf("call.json properties: %w", err)
	}
	var out []callProperty
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("call.json properties: %w", err)
		}
		var p struct{ ReadOnly bool }
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("call.json property %v: %w", key, err)
		}
		out = append(out, callProperty{name: key.(string), readOnly: p.ReadOnly})
	}
	return out, nil
})

// properties lists the call's property names that keep says to keep, in call.json's order.
func properties(keep func(callProperty) bool) []string {
	all, err := callProperties()
	if err != nil {
		panic(fmt.Sprintf("schemas: the embedded call.json: %v", err)) // embedded data: a build error
	}
	var out []string
	for _, p := range all {
		if keep(p) {
			out = append(out, p.name)
		}
	}
	return out
}

// CallProperties returns the call's documented properties (the seed's table), annotations left
// out, in the table's order.
func CallProperties() []string {
	return properties(func(p callProperty) bool { return !strings.HasPrefix(p.name, "@") })
}

// Updatable returns the properties a PATCH updates (the contract's PATCH-04 list): those the
// call schema does not mark readOnly.
func Updatable() []string {
	return properties(func(p callProperty) bool { return !p.readOnly && !strings.HasPrefix(p.name, "@") })
}

// ServerGenerated returns the properties the server generates that a PATCH body may still set
// (the contract's PATCH-06 list): every readOnly property but the call's key, id, which PATCH-07
// covers.
func ServerGenerated() []string {
	return properties(func(p callProperty) bool { return p.readOnly && p.name != "id" })
}

// IsUpdatable reports whether name is one of Updatable's properties.
func IsUpdatable(name string) bool { return slices.Contains(Updatable(), name) }
