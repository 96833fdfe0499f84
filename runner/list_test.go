package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/callconf/callconf/internal/requirements"
)

// TestListMarkdown: `runner list --markdown` prints exactly the document that
// internal/requirements verifies docs/contract.md against.
func TestListMarkdown(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := runList([]string{"--markdown"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	want, err := requirements.Markdown()
	if err != nil {
		t.Fatal(err)
	}
	if stdout.String() != string(want) || stderr.Len() != 0 {
		t.Errorf("--markdown printed something else than requirements.Markdown() (stderr %q)", stderr.String())
	}
	if code := runList([]string{"--markdown", "extra"}, &stdout, &stderr); code != exitUsage {
		t.Errorf("extra argument: exit %d", code)
	}
}

// TestListJSON: the JSON carries every requirement with its text. (The listing previews the
// spec tree, which Ginkgo allows once per process: this is the one test that does.)
func TestListJSON(t *testing.T) {
	var js, stderr bytes.Buffer
	if code := runList([]string{"--json"}, &js, &stderr); code != exitOK {
		t.Fatalf("--json: exit %d: %s", code, stderr.String())
	}
	var rows []struct {
		ID, Text string
		Specs    []string
	}
	if err := json.Unmarshal(js.Bytes(), &rows); err != nil {
		t.Fatal(err)
	}
	all := requirements.All()
	if len(rows) != len(all) {
		t.Fatalf("%d rows for %d requirements", len(rows), len(all))
	}
	for i, r := range all {
		if rows[i].ID != r.ID || rows[i].Text != r.Text || rows[i].Text == "" {
			t.Errorf("row %d: %s %q, want %s %q", i, rows[i].ID, rows[i].Text, r.ID, r.Text)
		}
	}
}
