// Package version says which build of the harness is running: the module version and the VCS
// revision Go stamps into the binary. Reports and `runner version` print it, so evidence names
// the exact harness that produced it.
package version

import (
	"runtime"
	"runtime/debug"
)

// Info is what the build says about itself.
type Info struct {
	Module   string `json:"module"`             // the main module's version: "v1.2.0", or "(devel)" for a local build
	Revision string `json:"revision,omitempty"` // VCS commit, when the build stamped it (go build in a clone; not go run or go test)
	Time     string `json:"time,omitempty"`     // commit time (RFC 3339), when stamped
	Modified bool   `json:"modified,omitempty"` // the work tree had uncommitted changes
	Go       string `json:"go"`                 // the Go toolchain that built the binary
}

// Read returns the running binary's build information; fields it cannot learn stay empty,
// and Module is "(devel)" then.
func Read() Info {
	in := Info{Module: "(devel)", Go: runtime.Version()}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return in
	}
	if v := bi.Main.Version; v != "" {
		in.Module = v
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			in.Revision = s.Value
		case "vcs.time":
			in.Time = s.Value
		case "vcs.modified":
			in.Modified = s.Value == "true"
		}
	}
	return in
}

// String is the one-line form reports and `runner version` print, e.g.
// "(devel) 8deadf9c1a2b+modified go1.26.0"; an unstamped revision reads "revision unknown".
func (i Info) String() string {
	rev := "revision unknown"
	if i.Revision != "" {
		rev = i.Revision
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if i.Modified {
			rev += "+modified"
		}
	}
	return i.Module + " " + rev + " " + i.Go
}
