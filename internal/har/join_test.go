package har

import (
	"os"
	"path/filepath"
	"testing"
)

// TestJoinOrdersTheShardsExchangesByTime: the shards' HARs join into one whose entries are all
// of theirs in start order, whatever order the shards are named in (RFC 3339 times of different
// precision compare as times, not strings); a shard without a HAR is skipped, a broken one
// refused.
func TestJoinOrdersTheShardsExchangesByTime(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, starts ...string) string {
		h := New(Creator{Name: "t", Version: "1"})
		for _, s := range starts {
			h.Log.Entries = append(h.Log.Entries, Entry{StartedDateTime: s, Request: Request{Method: "GET", URL: "http://t/" + s}})
		}
		p := filepath.Join(dir, name)
		if err := Write(p, h, nil); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := write("a.har", "2026-12-06T10:00:00.5Z", "2026-12-06T10:00:02Z")
	b := write("b.har", "2026-12-06T10:00:00.25Z", "2026-12-06T10:00:01Z")
	out := filepath.Join(dir, "out", FileName)
	n, err := Join([]string{a, filepath.Join(dir, "none.har"), b}, out, Creator{Name: "callconf merge"})
	if err != nil || n != 4 {
		t.Fatalf("Join: %d, %v; want 4 entries", n, err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, err := Read(f, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2026-12-06T10:00:00.25Z", "2026-12-06T10:00:00.5Z", "2026-12-06T10:00:01Z", "2026-12-06T10:00:02Z"}
	for i, e := range h.Log.Entries {
		if e.StartedDateTime != want[i] {
			t.Errorf("entry %d starts %s, want %s", i, e.StartedDateTime, want[i])
		}
	}
	broken := filepath.Join(dir, "broken.har")
	if err := os.WriteFile(broken, []byte(`{"log": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Join([]string{a, broken}, filepath.Join(dir, "x.har"), Creator{}); err == nil {
		t.Error("Join took a file that is no HAR")
	}
	if n, err := Join([]string{filepath.Join(dir, "none.har")}, filepath.Join(dir, "y.har"), Creator{}); n != 0 || err != nil {
		t.Errorf("Join of no HAR: %d, %v", n, err)
	} else if _, err := os.Stat(filepath.Join(dir, "y.har")); err == nil {
		t.Error("Join of no HAR wrote a file")
	}
}
