package generate

import (
	"encoding/json"
	"hash/fnv"
	"slices"
	"strconv"

	"pgregory.net/rapid"
)

// The kinds of case, one per way the contract's "Generated cases" judges them.
const (
	KindValid      = "valid"      // an accepted valid body: PATCH-01, -02, -04, -05; STATE-01 with read
	KindInvalid    = "invalid"    // a rejected invalid body: ERR-02, STATE-07
	KindSequence   = "sequence"   // PATCH, GET and DELETE on two calls: STATE-01, -04, -08
	KindConcurrent = "concurrent" // PATCHes of different properties at once: STATE-03
)

// Seed is the seed of case n of requirement req in a run seeded with seed: every case has its
// own, so a case can be drawn again alone.
func Seed(seed int, req string, n int) uint64 {
	h := fnv.New64a()
	h.Write([]byte(strconv.Itoa(seed) + "\x00" + req + "\x00" + strconv.Itoa(n)))
	return h.Sum64()
}

// Shape is what a case may do on the target at hand.
type Shape struct {
	Read   bool // GET the call
	Delete bool // DELETE a call (only calls the case may lose: created for it)
}

// ResetBody is the body every case starts its calls with: start's updatable properties, and null
// for every other nullable one, so the case does not depend on what came before it.
func (g *Generator) ResetBody(start map[string]any) json.RawMessage {
	body := map[string]any{}
	for _, k := range g.updatable {
		if v, ok := start[k]; ok {
			body[k] = v
		} else if g.tree.Root.Props[k].Nullable {
			body[k] = nil
		}
	}
	return Encode(body)
}

// Case draws the case of kind with seed.
func (g *Generator) Case(kind string, seed uint64, start json.RawMessage, sh Shape, concurrency int) Case {
	c := Case{Calls: 1, Start: start}
	switch kind {
	case KindValid:
		c.Steps = []Step{{Op: OpPatch, Body: Encode(Draw(g.ValidBody(), seed))}}
		if sh.Read {
			c.Steps = append(c.Steps, Step{Op: OpGet})
		}
	case KindInvalid:
		c.Steps = []Step{{Op: OpPatch, Body: Encode(Draw(g.InvalidBody(), seed).Body)}}
	case KindConcurrent:
		var bodies []json.RawMessage
		for _, b := range Draw(g.PropertyBodies(concurrency), seed) {
			bodies = append(bodies, Encode(b))
		}
		c.Steps = []Step{{Op: OpConcurrent, Bodies: bodies}}
	case KindSequence:
		c.Calls = 2
		c.Steps = Draw(g.sequence(sh), seed)
	}
	return c
}

// sequence draws 3 to 8 steps of PATCH (valid bodies), GET and DELETE on two calls.
func (g *Generator) sequence(sh Shape) *rapid.Generator[[]Step] {
	return rapid.Custom(func(t *rapid.T) []Step {
		ops := []string{OpPatch, OpPatch, OpPatch}
		if sh.Read {
			ops = append(ops, OpGet, OpGet)
		}
		if sh.Delete {
			ops = append(ops, OpDelete)
		}
		n := rapid.IntRange(3, 8).Draw(t, "steps")
		var steps []Step
		for i := range n {
			s := Step{Op: rapid.SampledFrom(ops).Draw(t, "op"+strconv.Itoa(i)), Call: rapid.IntRange(0, 1).Draw(t, "call"+strconv.Itoa(i))}
			if s.Op == OpPatch {
				s.Body = Encode(g.ValidBody().Draw(t, "body"+strconv.Itoa(i)))
			}
			steps = append(steps, s)
		}
		return steps
	})
}

// Shrinks returns cases smaller than c, the biggest cut first: a step left out, a concurrent
// body left out (two stay), then each body made smaller while it stays valid (or invalid, as it
// was).
func (g *Generator) Shrinks(c Case) []Case {
	var out []Case
	if len(c.Steps) > 1 {
		for i := range c.Steps {
			d := c
			d.Steps = slices.Delete(slices.Clone(c.Steps), i, i+1)
			out = append(out, d)
		}
	}
	for i, s := range c.Steps {
		if s.Op == OpConcurrent && len(s.Bodies) > 2 {
			for j := range s.Bodies {
				out = append(out, withStep(c, i, Step{Op: s.Op, Call: s.Call, Bodies: slices.Delete(slices.Clone(s.Bodies), j, j+1)}))
			}
		}
	}
	for i, s := range c.Steps {
		switch {
		case s.Body != nil:
			for _, b := range g.smallerBodies(s.Body) {
				out = append(out, withStep(c, i, Step{Op: s.Op, Call: s.Call, Body: b}))
			}
		case s.Op == OpConcurrent:
			for j, body := range s.Bodies {
				for _, b := range g.smallerBodies(body) {
					bs := slices.Clone(s.Bodies)
					bs[j] = b
					out = append(out, withStep(c, i, Step{Op: s.Op, Call: s.Call, Bodies: bs}))
				}
			}
		}
	}
	return out
}

func withStep(c Case, i int, s Step) Case {
	c.Steps = slices.Clone(c.Steps)
	c.Steps[i] = s
	return c
}

// smallerBodies are the bodies Smaller finds for raw that keep its verdict under the schema.
func (g *Generator) smallerBodies(raw json.RawMessage) []json.RawMessage {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil
	}
	v = numbers(raw, v)
	valid := g.Valid(raw)
	var out []json.RawMessage
	for _, c := range Smaller(v, func(c any) bool { return g.Valid(Encode(c)) == valid }) {
		out = append(out, Encode(c))
	}
	return out
}

// numbers decodes raw again keeping numbers exact (json.Number), as generated.
func numbers(raw json.RawMessage, v any) any {
	var out any
	dec := json.NewDecoder(bytesReader(raw))
	dec.UseNumber()
	if dec.Decode(&out) != nil {
		return v
	}
	return out
}
