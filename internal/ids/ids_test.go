package ids

import (
	"regexp"
	"strings"
	"testing"
)

func TestGUID(t *testing.T) {
	shape := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 1000 {
		g := GUID()
		if !shape.MatchString(g) || seen[g] {
			t.Fatalf("%q: not a fresh version-4 GUID", g)
		}
		seen[g] = true
	}
}

func TestToken(t *testing.T) {
	a, b := Token("callconf-"), Token("callconf-")
	if a == b || !strings.HasPrefix(a, "callconf-") || len(a) != len("callconf-")+26 {
		t.Fatalf("tokens %q %q", a, b)
	}
}

var guid = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestLikeTakesTheTargetsShape(t *testing.T) {
	for _, sample := range []string{"", "2b5c7c6a-0000-4000-8000-00000000a001"} {
		if id := Like(sample); !guid.MatchString(id) {
			t.Errorf("Like(%q) = %q, want a GUID", sample, id)
		}
	}
	for sample, shape := range map[string]*regexp.Regexp{
		"call-00042-AbC":   regexp.MustCompile(`^[a-z]{4}-[0-9]{5}-[A-Z][a-z][A-Z]$`),
		"DEADBEEF00112233": regexp.MustCompile(`^[0-9A-F]{16}$`),
	} {
		id := Like(sample)
		if !shape.MatchString(id) || id == sample {
			t.Errorf("Like(%q) = %q, not of its shape", sample, id)
		}
	}
	if Like("") == Like("") {
		t.Error("two invented ids are equal")
	}
}
