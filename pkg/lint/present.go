package lint

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/mailflowkit/mailflow/pkg/report"
)

// ObjectSections index the findings by the object they are about, one
// section per object in input order, so a reader sees at a glance what is
// wrong with each connector before the details.
func ObjectSections(findings []report.Finding) []report.Section {
	var out []report.Section
	at := map[string]int{}
	// The rule column is as wide as the longest rule ID, so the property
	// and location columns line up under each other in every report.
	width := 0
	for _, r := range catalog {
		width = max(width, len(r.ID))
	}
	for _, f := range findings {
		obj, prop, _ := strings.Cut(f.Subject, " .")
		key := obj
		if f.Location != nil {
			key += "\x00" + f.Location.File
		}
		i, ok := at[key]
		if !ok {
			i = len(out)
			at[key] = i
			out = append(out, report.Section{Title: obj})
		}
		sev := f.Severity.String()
		if f.Incomplete {
			sev = "unchecked"
		}
		where := ""
		if f.Location != nil {
			where = fmt.Sprintf("%s:%d", f.Location.File, f.Location.Line)
		}
		if prop != "" {
			prop = "." + prop
		}
		out[i].Lines = append(out[i].Lines, strings.TrimRight(fmt.Sprintf("%-9s %-*s  %-28s %s", sev, width, f.ID, prop, where), " "))
	}
	return out
}

// SARIFRules documents the catalog for SARIF output.
func SARIFRules() []report.SARIFRule {
	var out []report.SARIFRule
	for _, r := range catalog {
		out = append(out, report.SARIFRule{
			ID:       r.ID,
			Name:     r.Title,
			Short:    r.Title,
			Full:     r.Checks,
			Help:     "Prevents: " + r.Prevents + "\nFix: " + r.Fix,
			Severity: r.Severity,
		})
	}
	return out
}

// WriteRules documents the catalog: format is "text", "json" or "markdown".
func WriteRules(w io.Writer, format string) error {
	switch format {
	case "json":
		b, err := report.MarshalJSONIndent(map[string]any{"rules": catalog}, "", "  ")
		if err != nil {
			return err
		}
		_, err = w.Write(append(b, '\n'))
		return err
	case "markdown":
		bw := bufio.NewWriter(w)
		fmt.Fprintln(bw, "| Rule | Severity | What it finds |")
		fmt.Fprintln(bw, "| --- | --- | --- |")
		for _, r := range catalog {
			fmt.Fprintf(bw, "| [`%s`](#%s) | %s | %s |\n", r.ID, strings.ReplaceAll(r.ID, ".", ""), r.Severity, r.Title)
		}
		for _, r := range catalog {
			fmt.Fprintf(bw, "\n### %s\n\n%s (%s%s).\n\n- **Checks:** %s\n- **Prevents:** %s\n- **Fix:** %s\n", r.ID, r.Title, r.Severity, liveNote(r), r.Checks, r.Prevents, r.Fix)
		}
		return bw.Flush()
	}
	bw := bufio.NewWriter(w)
	for i, r := range catalog {
		if i > 0 {
			fmt.Fprintln(bw)
		}
		fmt.Fprintf(bw, "%s (%s%s)\n  %s\n  checks:   %s\n  prevents: %s\n  fix:      %s\n", r.ID, r.Severity, liveNote(r), r.Title, r.Checks, r.Prevents, r.Fix)
	}
	return bw.Flush()
}

func liveNote(r *Rule) string {
	if r.Live {
		return ", --live only"
	}
	return ""
}
