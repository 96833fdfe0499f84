package conformance

import (
	"net/http"
	"regexp"
	"slices"
	"testing"

	"github.com/callconf/callconf/internal/target"
)

var guid = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestMissingIDTakesTheTargetsShape(t *testing.T) {
	for _, sample := range []string{"", "2b5c7c6a-0000-4000-8000-00000000a001"} {
		if id := missingID(sample); !guid.MatchString(id) {
			t.Errorf("missingID(%q) = %q, want a GUID", sample, id)
		}
	}
	for sample, shape := range map[string]*regexp.Regexp{
		"call-00042-AbC":   regexp.MustCompile(`^[a-z]{4}-[0-9]{5}-[A-Z][a-z][A-Z]$`),
		"DEADBEEF00112233": regexp.MustCompile(`^[0-9A-F]{16}$`),
	} {
		id := missingID(sample)
		if !shape.MatchString(id) || id == sample {
			t.Errorf("missingID(%q) = %q, not of its shape", sample, id)
		}
	}
	if missingID("") == missingID("") {
		t.Error("two invented ids are equal")
	}
}

func TestProcessCallIDsNeverShareACall(t *testing.T) {
	s := Session{CallIDs: []string{"a", "b", "c", "d", "e"}}
	seen := map[string]int{}
	for proc := 1; proc <= 2; proc++ {
		for _, id := range s.ProcessCallIDs(proc, 2) {
			seen[id]++
		}
	}
	if len(seen) != 5 || slices.ContainsFunc([]string{"a", "b", "c", "d", "e"}, func(id string) bool { return seen[id] != 1 }) {
		t.Errorf("ids shared out as %v", seen)
	}
	if got := s.ProcessCallIDs(1, 1); !slices.Equal(got, s.CallIDs) {
		t.Errorf("one process gets %v", got)
	}
	if got := (Session{CallIDs: []string{"a"}}).ProcessCallIDs(3, 4); !slices.Equal(got, []string{"a"}) {
		t.Errorf("fewer ids than processes: %v", got)
	}
}

func TestPatchTarget(t *testing.T) {
	for r, want := range map[*target.Request]string{
		{Method: http.MethodPatch, Path: itemPath("a/b c")}:                    "a/b c",
		{Method: http.MethodGet, Path: itemPath("x")}:                          "",
		{Method: http.MethodPatch, Path: CollectionPath}:                       "",
		{Method: http.MethodPatch, Path: CollectionPath + "/x/y"}:              "",
		{Method: http.MethodPatch, Path: CollectionPath + "/callconf%3Fa%3D1"}: "callconf?a=1",
	} {
		if got := patchTarget(*r); got != want {
			t.Errorf("%s %s: %q, want %q", r.Method, r.Path, got, want)
		}
	}
}
