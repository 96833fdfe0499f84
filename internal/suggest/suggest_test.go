package suggest

import (
	"strings"
	"testing"
	"time"
)

func TestClosest(t *testing.T) {
	names := []string{"base-url", "timeout", "status-204", "drops-callbackUri", "serve", "selftest"}
	for _, c := range []struct{ in, want string }{
		{"base-ulr", "base-url"},
		{"BASE-URL", "base-url"},
		{"status-240", "status-204"},
		{"Status_204", "status-204"},
		{"drop-callbackUri", "drops-callbackUri"},
		{"serv", "serve"},
		{"x", ""},
		{"ab", ""}, // two edits from nothing useful: fewer than half the word's length
		{"completely-unrelated-name", ""},
	} {
		if got := Closest(c.in, names); got != c.want {
			t.Errorf("Closest(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestClosestIsCheapOnHostileWords(t *testing.T) {
	long := strings.Repeat("a", 1<<20)
	done := make(chan string, 1)
	go func() { done <- Closest(long, []string{"base-url", "timeout"}) }()
	select {
	case got := <-done:
		if got != "" {
			t.Fatalf("Closest(1 MiB) = %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Closest on a 1 MiB word did not return: quadratic work on hostile input")
	}
}
