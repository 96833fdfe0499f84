package report

// Generated counts the generated cases of a spec, or of every generated spec of a requirement:
// how many were tried, failed and shrunk (a failing case made smaller), with the seed that drew
// them and the replay files of the failures.
type Generated struct {
	Seed    int      `json:"seed"`
	Tried   int      `json:"tried"`
	Failed  int      `json:"failed"`
	Shrunk  int      `json:"shrunk"`
	Replays []string `json:"replays,omitempty"`
}

// add adds the counts of one spec.
func (g *Generated) add(o *Generated) {
	g.Seed = o.Seed
	g.Tried += o.Tried
	g.Failed += o.Failed
	g.Shrunk += o.Shrunk
	g.Replays = append(g.Replays, o.Replays...)
}
