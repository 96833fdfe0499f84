package check

// Finding is a violation attributed to a requirement: the unit every spec, the exchange judge
// and the reports exchange. Inconclusive marks a check the harness could not make (its own limit,
// a failed precondition, throttling past the retry budget); Actual then says why.
type Finding struct {
	Requirement  string `json:"requirement"`
	Inconclusive bool   `json:"inconclusive,omitempty"`
	// Exchange is the 1-based number of the exchange in the spec's transcript (0: none).
	Exchange int `json:"exchange,omitempty"`
	Mismatch
}

// String renders f on one line, naming its requirement.
func (f Finding) String() string {
	what := f.Requirement
	if f.Inconclusive {
		what += " inconclusive"
	}
	return "[" + what + "] " + f.Mismatch.String()
}

// Note is something a requirement's report mentions that is no failure: a choice the contract
// allows (422 over 400), an unknown property of an open type, a throttled request retried.
type Note struct {
	Requirement string `json:"requirement"`
	Text        string `json:"text"`
}
