package har

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"
)

// Join merges the HAR files at paths (the exchanges.har of a run's shards) into one written to
// path, its entries ordered by start time (ties keep the order of paths, then of each file), so
// merged shards leave the evidence one run leaves. A path that does not exist is skipped (a
// shard that could not start sent nothing); one that is no HAR is an error. It returns the
// number of entries written, and writes nothing when no file was found.
func Join(paths []string, path string, creator Creator) (int, error) {
	out := New(creator)
	type keyed struct {
		Entry
		at   time.Time
		file int
		n    int
	}
	var all []keyed
	found := false
	for fi, p := range paths {
		f, err := os.Open(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("exchanges: %w", err)
		}
		h, err := Read(f, 0)
		f.Close()
		if err != nil {
			return 0, fmt.Errorf("exchanges: %s: %w", p, err)
		}
		found = true
		if h.Log.Comment != "" {
			if out.Log.Comment != "" {
				out.Log.Comment += "; "
			}
			out.Log.Comment += p + ": " + h.Log.Comment
		}
		for n, e := range h.Log.Entries {
			at, _ := time.Parse(time.RFC3339Nano, e.StartedDateTime) // unparsable: first, in file order
			all = append(all, keyed{e, at, fi, n})
		}
	}
	if !found {
		return 0, nil
	}
	slices.SortStableFunc(all, func(a, b keyed) int {
		return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.file, b.file), cmp.Compare(a.n, b.n))
	})
	for _, k := range all {
		out.Log.Entries = append(out.Log.Entries, k.Entry)
	}
	return len(all), Write(path, out, nil)
}
