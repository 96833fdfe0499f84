package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/onsi/ginkgo/v2"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/suites/conformance"
)

// listed is one row of `callconf list`.
type listed struct {
	requirements.Requirement
	Specs []string `json:"specs"`
}

// runList prints the requirement registry with the specs behind each requirement, from a dry
// preview of the spec tree (nothing is sent anywhere); with --markdown, the contract document
// generated from the registry alone.
func runList(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("list", stderr, "usage: "+progName+" list [flags]\n\nPrint the requirement registry with the number of specs behind each requirement (a dry preview:\nnothing is sent anywhere).\n\n")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	specs := fs.Bool("specs", false, "print the name of every spec under its requirement")
	markdown := fs.Bool("markdown", false, "print the contract, "+requirements.MarkdownPath+", generated from the registry (regenerate it with: "+requirements.MarkdownCommand+")")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *markdown {
		b, err := requirements.Markdown()
		if err != nil {
			fmt.Fprintf(stderr, "%s list: %v\n", progName, err)
			return exitUsage
		}
		stdout.Write(b)
		return exitOK
	}
	conformance.Define(conformance.Options{Config: config.Default(), Log: io.Discard})
	preview := ginkgo.PreviewSpecs(conformance.SuiteName)
	if err := conformance.CheckTree(preview); err != nil {
		fmt.Fprintf(stderr, "%s list: %v\n", progName, err)
		return exitUsage
	}
	bySpec := conformance.SpecsByRequirement(preview)
	var rows []listed
	for _, r := range requirements.All() {
		rows = append(rows, listed{Requirement: r, Specs: bySpec[r.ID]})
	}
	if *asJSON {
		b, err := json.MarshalIndent(rows, "", "  ")
		if err != nil {
			fmt.Fprintf(stderr, "%s list: %v\n", progName, err)
			return exitUsage
		}
		fmt.Fprintln(stdout, string(b))
		return exitOK
	}
	fmt.Fprintf(stdout, "%-9s %-6s %-9s %-12s %5s  %s\n", "ID", "LEVEL", "FEATURE", "SOURCE", "SPECS", "TITLE")
	for _, r := range rows {
		needs := ""
		if len(r.Needs) > 0 {
			var n []string
			for _, c := range r.Needs {
				n = append(n, string(c))
			}
			needs = " [needs " + strings.Join(n, ", ") + "]"
		}
		fmt.Fprintf(stdout, "%-9s %-6s %-9s %-12s %5d  %s%s\n", r.ID, r.Level, r.Feature, r.Source, len(r.Specs), r.Title, needs)
		if *specs {
			for _, s := range r.Specs {
				fmt.Fprintf(stdout, "%28s- %s\n", "", s)
			}
		}
	}
	return exitOK
}
