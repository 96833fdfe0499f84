package version

import (
	"strings"
	"testing"
)

func TestStringNamesModuleRevisionAndToolchain(t *testing.T) {
	got := Info{Module: "v1.2.0", Revision: "0123456789abcdef0123", Modified: true, Go: "go1.26.0"}.String()
	if want := "v1.2.0 0123456789ab+modified go1.26.0"; got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}
	if got := (Info{Module: "(devel)", Go: "go1.26.0"}).String(); !strings.Contains(got, "revision unknown") {
		t.Fatalf("an unstamped build must say so, got %q", got)
	}
}
