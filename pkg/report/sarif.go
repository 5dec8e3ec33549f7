package report

import (
	"io"
	"net/url"
	"path/filepath"
	"strings"
)

// SARIFRule documents one check for SARIF consumers (GitHub code scanning
// shows it next to each result).
type SARIFRule struct {
	ID       string
	Name     string
	Short    string
	Full     string
	Help     string
	Severity Severity
}

// SARIF 2.1.0 (OASIS), the subset code-scanning tools read.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string                `json:"name"`
	Version        string                `json:"version,omitempty"`
	InformationURI string                `json:"informationUri,omitempty"`
	Rules          []sarifRuleDescriptor `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRuleDescriptor struct {
	ID                   string      `json:"id"`
	Name                 string      `json:"name,omitempty"`
	ShortDescription     sarifText   `json:"shortDescription"`
	FullDescription      sarifText   `json:"fullDescription"`
	Help                 sarifText   `json:"help"`
	DefaultConfiguration sarifConfig `json:"defaultConfiguration"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID     string          `json:"ruleId"`
	RuleIndex  *int            `json:"ruleIndex,omitempty"`
	Level      string          `json:"level"`
	Message    sarifText       `json:"message"`
	Locations  []sarifLocation `json:"locations,omitempty"`
	Properties map[string]any  `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

// sarifLevel maps severities onto SARIF's three levels; findings that are
// fine (OK) are notes like Info.
func sarifLevel(s Severity) string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	}
	return "note"
}

// sarifURI turns a file path into the relative URI reference SARIF wants:
// forward slashes, percent-encoded where needed.
func sarifURI(path string) string {
	p := filepath.ToSlash(path)
	if filepath.IsAbs(path) {
		return (&url.URL{Scheme: "file", Path: p}).String()
	}
	return (&url.URL{Path: strings.TrimPrefix(p, "./")}).String()
}

// WriteSARIF renders the findings as a SARIF 2.1.0 log with one run, so CI
// systems can annotate the input files. rules document the IDs the findings
// use; findings whose ID is not among them still appear, without a rule
// index. Messages, subjects and evidence are sanitised like text output:
// code-scanning pages show them to people, and JSON escaping alone lets
// bidi overrides and C1 controls through.
func WriteSARIF(w io.Writer, r *Report, rules []SARIFRule, version string) error {
	driver := sarifDriver{Name: "mailflow", Version: version, InformationURI: "https://github.com/mailflowkit/mailflow", Rules: []sarifRuleDescriptor{}}
	index := map[string]int{}
	for i, rl := range rules {
		index[rl.ID] = i
		driver.Rules = append(driver.Rules, sarifRuleDescriptor{
			ID:                   rl.ID,
			Name:                 rl.Name,
			ShortDescription:     sarifText{Text: rl.Short},
			FullDescription:      sarifText{Text: rl.Full},
			Help:                 sarifText{Text: rl.Help},
			DefaultConfiguration: sarifConfig{Level: sarifLevel(rl.Severity)},
		})
	}
	run := sarifRun{Tool: sarifTool{Driver: driver}, Results: []sarifResult{}}
	for _, f := range r.Findings {
		res := sarifResult{RuleID: Sanitize(f.ID), Level: sarifLevel(f.Severity), Message: sarifText{Text: sarifMessage(f)}}
		if i, ok := index[f.ID]; ok {
			res.RuleIndex = &i
		}
		if f.Location != nil && f.Location.File != "" {
			loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: sarifURI(f.Location.File)}}}
			if f.Location.Line > 0 {
				loc.PhysicalLocation.Region = &sarifRegion{StartLine: f.Location.Line}
			}
			res.Locations = []sarifLocation{loc}
		}
		props := map[string]any{}
		if f.Subject != "" {
			props["subject"] = Sanitize(f.Subject)
		}
		if len(f.Evidence) > 0 {
			ev := make([]string, len(f.Evidence))
			for i, e := range f.Evidence {
				ev[i] = sanitizeBlock(e)
			}
			props["evidence"] = ev
		}
		if f.Incomplete {
			props["incomplete"] = true
		}
		if len(props) > 0 {
			res.Properties = props
		}
		run.Results = append(run.Results, res)
	}
	log := sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}}
	b, err := MarshalJSONIndent(log, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// sarifMessage is the one text a code-scanning alert shows: what, where in
// the object, and the fix.
func sarifMessage(f Finding) string {
	var b strings.Builder
	if f.Subject != "" {
		b.WriteString(f.Subject + ": ")
	}
	b.WriteString(f.Message)
	if f.Fix != "" {
		b.WriteString(". Fix: " + f.Fix)
	}
	return Sanitize(b.String())
}
