package requirements

import (
	"regexp"
	"strings"
	"testing"
)

func TestRegistry(t *testing.T) {
	idPattern := regexp.MustCompile(`^(PATCH|ERR|HTTP|STATE)-\d\d$`)
	seen := map[string]bool{}
	for _, r := range All() {
		if !idPattern.MatchString(r.ID) || seen[r.ID] {
			t.Errorf("bad or duplicate ID %q", r.ID)
		}
		seen[r.ID] = true
		if r.Level != Must && r.Level != Should && r.Level != May {
			t.Errorf("%s: level %q", r.ID, r.Level)
		}
		if r.Title == "" || r.Source == "" || r.Feature == "" {
			t.Errorf("%s: missing title, source or feature", r.ID)
		}
		if !strings.HasSuffix(r.Text, ".") || len(r.Text) <= len(r.Title) {
			t.Errorf("%s: Text %q is not the contract's full sentence", r.ID, r.Text)
		}
		if got := MustGet(r.ID); got.ID != r.ID || got.Label() != "req:"+r.ID {
			t.Errorf("%s: Get/Label broken", r.ID)
		}
	}
	if len(seen) != 29 {
		t.Errorf("%d requirements, the contract has 29", len(seen))
	}
	if _, err := Get("PATCH-99"); err == nil {
		t.Error("unknown ID accepted")
	}
	a := All()
	a[0].Needs = append(a[0].Needs, Create)
	a[0].ID = "changed"
	if All()[0].ID == "changed" || len(All()[0].Needs) != 0 {
		t.Error("All hands out the registry itself")
	}
}
