package conformance

import (
	"net/http"
	"slices"
	"testing"

	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/target"
)

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
		{Method: http.MethodPatch, Path: itemPath("a/b c")}:                                 "a/b c",
		{Method: http.MethodGet, Path: itemPath("x")}:                                       "",
		{Method: http.MethodPatch, Path: requirements.CollectionPath}:                       "",
		{Method: http.MethodPatch, Path: requirements.CollectionPath + "/x/y"}:              "",
		{Method: http.MethodPatch, Path: requirements.CollectionPath + "/callconf%3Fa%3D1"}: "callconf?a=1",
	} {
		if got := patchTarget(*r); got != want {
			t.Errorf("%s %s: %q, want %q", r.Method, r.Path, got, want)
		}
	}
}
