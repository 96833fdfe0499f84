package har

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// A run's exchanges travel as part files: each recorder (one per process, and one per client
// of the process that prepares the target) appends one JSON line per exchange to a file of its
// own in the run's parts directory, with one write each, so nothing is shared between processes
// and a process that dies loses at most its last line. Collect merges the parts when the run
// is concluded, in every process layout: the runner's own processes, `ginkgo run -p`, one.

// partPattern names part files inside a parts directory.
const partPattern = "part-*.jsonl"

// line is one line of a part file: the entry and its start, for ordering.
type line struct {
	Start int64 `json:"start"` // Unix nanoseconds
	Entry Entry `json:"entry"`
}

// NewPartsDir creates the directory the parts of one run go to, private to the user, in the
// system's temporary directory.
func NewPartsDir() (string, error) {
	dir, err := os.MkdirTemp("", "callconf-har-")
	if err != nil {
		return "", fmt.Errorf("exchanges parts: %w", err)
	}
	return dir, nil
}

// Recorder appends the entries of one process (or client) to a part file. A nil Recorder
// records nothing. It is safe for concurrent use.
type Recorder struct {
	san Sanitizer
	mu  sync.Mutex
	f   *os.File
	err error // the first write error; later entries are dropped
}

// NewRecorder opens a new part file in dir; san keeps secrets out of every entry.
func NewRecorder(dir string, san Sanitizer) (*Recorder, error) {
	f, err := os.CreateTemp(dir, partPattern)
	if err != nil {
		return nil, fmt.Errorf("exchanges part: %w", err)
	}
	return &Recorder{san: san, f: f}, nil
}

// Record appends ex as an entry.
func (r *Recorder) Record(ex Exchange) {
	if r == nil {
		return
	}
	b, err := json.Marshal(line{Start: ex.Started.UnixNano(), Entry: r.san.Entry(ex)})
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil || r.f == nil {
		return
	}
	if err == nil {
		_, err = r.f.Write(append(b, '\n'))
	}
	r.err = err
}

// Close closes the part file; it returns the first error of a write, if any.
func (r *Recorder) Close() error {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return r.err
	}
	err := r.f.Close()
	r.f = nil
	return cmp.Or(r.err, err)
}

// Collect merges every part in dir into one HAR written to path (through redact, as every
// report is), ordered by start time (ties by part and line, so the order is the same for the
// same parts), then removes dir. Lines a dying process left half written are skipped and
// counted in the log's comment. It returns the number of entries written.
func Collect(dir, path string, creator Creator, redact func(string) string) (int, error) {
	defer os.RemoveAll(dir)
	parts, err := filepath.Glob(filepath.Join(dir, partPattern))
	if err != nil {
		return 0, fmt.Errorf("exchanges: %w", err)
	}
	slices.Sort(parts)
	type keyed struct {
		line
		part, n int
	}
	var all []keyed
	broken := 0
	for pi, p := range parts {
		f, err := os.Open(p)
		if err != nil {
			return 0, fmt.Errorf("exchanges: %w", err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 64<<20)
		for n := 0; sc.Scan(); n++ {
			var l line
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				broken++
				continue
			}
			all = append(all, keyed{l, pi, n})
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return 0, fmt.Errorf("exchanges: %s: %w", filepath.Base(p), err)
		}
	}
	slices.SortStableFunc(all, func(a, b keyed) int {
		return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.part, b.part), cmp.Compare(a.n, b.n))
	})
	h := New(creator)
	for _, k := range all {
		h.Log.Entries = append(h.Log.Entries, k.Entry)
	}
	if broken > 0 {
		h.Log.Comment = fmt.Sprintf("%d exchange(s) were lost: a process ended while recording them", broken)
	}
	if err := Write(path, h, redact); err != nil {
		return 0, err
	}
	return len(all), nil
}

// New returns an empty archive written by creator.
func New(creator Creator) HAR {
	return HAR{Log: Log{Version: "1.2", Creator: creator, Entries: []Entry{}}}
}

// Write writes h to path (its directory created if needed) through redact (nil: as is): one
// entry a line, which keeps a file of thousands of exchanges small and easy to diff.
func Write(path string, h HAR, redact func(string) string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	text, err := Marshal(h)
	if err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	if redact != nil {
		text = redact(text)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return nil
}

// Marshal renders h as JSON, one entry a line.
func Marshal(h HAR) (string, error) {
	enc := func(v any) (string, error) {
		var b bytes.Buffer
		e := json.NewEncoder(&b)
		e.SetEscapeHTML(false)
		if err := e.Encode(v); err != nil {
			return "", err
		}
		return strings.TrimSuffix(b.String(), "\n"), nil
	}
	head := h.Log
	head.Entries = nil
	var b strings.Builder
	b.WriteString(`{"log":{"version":`)
	for i, part := range []any{head.Version, head.Creator} {
		s, err := enc(part)
		if err != nil {
			return "", err
		}
		if i == 1 {
			b.WriteString(`,"creator":`)
		}
		b.WriteString(s)
	}
	if head.Comment != "" {
		s, err := enc(head.Comment)
		if err != nil {
			return "", err
		}
		b.WriteString(`,"comment":` + s)
	}
	b.WriteString(`,"entries":[`)
	for i, e := range h.Log.Entries {
		s, err := enc(e)
		if err != nil {
			return "", err
		}
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n" + s)
	}
	b.WriteString("\n]}}\n")
	return b.String(), nil
}

// MaxFile is the largest HAR file Read accepts.
const MaxFile = 256 << 20

// Read parses a HAR file of at most limit bytes (MaxFile when limit <= 0). It never panics on
// hostile input: anything that is not a HAR with a log and its entries is an error saying what
// is wrong and where. Fields beyond HAR 1.2's (browsers' _initiator, pages, …) are ignored.
func Read(r io.Reader, limit int64) (HAR, error) {
	if limit <= 0 {
		limit = MaxFile
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return HAR{}, fmt.Errorf("reading the HAR: %w", err)
	}
	if int64(len(b)) > limit {
		return HAR{}, fmt.Errorf("the HAR is larger than %d bytes", limit)
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // Fiddler and some Windows tools write a BOM
	var raw struct {
		Log *struct {
			Version string             `json:"version"`
			Entries *[]json.RawMessage `json:"entries"`
			Creator Creator            `json:"creator"`
			Comment string             `json:"comment"`
		} `json:"log"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return HAR{}, fmt.Errorf("not a HAR file: %w", err)
	}
	if raw.Log == nil {
		return HAR{}, errors.New(`not a HAR file: no "log" object`)
	}
	if raw.Log.Entries == nil {
		return HAR{}, errors.New(`not a HAR file: the log has no "entries" array`)
	}
	h := HAR{Log: Log{Version: raw.Log.Version, Creator: raw.Log.Creator, Comment: raw.Log.Comment, Entries: make([]Entry, 0, len(*raw.Log.Entries))}}
	for i, rm := range *raw.Log.Entries {
		var e Entry
		if err := json.Unmarshal(rm, &e); err != nil {
			return HAR{}, fmt.Errorf("HAR entry %d: %w", i+1, err)
		}
		if err := check(e); err != nil {
			return HAR{}, fmt.Errorf("HAR entry %d: %w", i+1, err)
		}
		h.Log.Entries = append(h.Log.Entries, e)
	}
	return h, nil
}

// check refuses an entry without what judging it needs.
func check(e Entry) error {
	switch {
	case e.Request.Method == "":
		return errors.New("request.method is missing")
	case strings.ContainsAny(e.Request.Method, " \t\r\n"):
		return fmt.Errorf("request.method %q is not an HTTP method", e.Request.Method)
	case e.Request.URL == "":
		return errors.New("request.url is missing")
	case e.Response.Status < 0 || e.Response.Status > 999:
		return fmt.Errorf("response.status %d is not an HTTP status", e.Response.Status)
	}
	return nil
}
