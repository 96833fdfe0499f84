package mutants

import "testing"

func TestSuggest(t *testing.T) {
	names := Names()
	for _, c := range []struct{ in, want string }{
		{"status-204", "status-204"},
		{"status-240", "status-204"},
		{"Status_204", "status-204"},
		{"drop-callbackUri", "drops-callbackUri"},
		{"x", ""},
		{"completely-unrelated-name", ""},
	} {
		if got := Suggest(c.in, names); got != c.want {
			t.Errorf("Suggest(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestNames(t *testing.T) {
	all, muts := Names(), Names(KindMutant)
	if len(all) != len(All()) || all[0] != "reference" {
		t.Errorf("Names() = %v", all)
	}
	for _, n := range muts {
		if im, _ := Get(n); im.Kind != KindMutant {
			t.Errorf("Names(KindMutant) holds %s, a %s", n, im.Kind)
		}
	}
	if len(muts) == 0 || len(muts) >= len(all) {
		t.Errorf("Names(KindMutant) = %d of %d", len(muts), len(all))
	}
}
