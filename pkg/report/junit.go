package report

import (
	"encoding/xml"
	"io"
)

// TestCase is one assertion as CI systems show it.
type TestCase struct {
	Name      string
	Classname string
	// Failure is the message when the assertion failed; empty means pass.
	Failure string
	// Details are shown under the failure (evidence, the fix).
	Details string
	// Skipped marks an assertion that could not be evaluated.
	Skipped string
	Seconds float64
}

// TestSuite groups the assertions about one target.
type TestSuite struct {
	Name  string
	Cases []TestCase
}

type junitTestsuites struct {
	XMLName  xml.Name         `xml:"testsuites"`
	Name     string           `xml:"name,attr"`
	Tests    int              `xml:"tests,attr"`
	Failures int              `xml:"failures,attr"`
	Skipped  int              `xml:"skipped,attr"`
	Suites   []junitTestsuite `xml:"testsuite"`
}

type junitTestsuite struct {
	Name     string          `xml:"name,attr"`
	Tests    int             `xml:"tests,attr"`
	Failures int             `xml:"failures,attr"`
	Skipped  int             `xml:"skipped,attr"`
	Cases    []junitTestcase `xml:"testcase"`
}

type junitTestcase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      float64       `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitFailure `xml:"skipped,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit renders suites as JUnit XML, the format GitHub, GitLab and
// Jenkins turn into per-test results. Names and messages are sanitised like
// text output: CI pages and logs show them to people, and XML cannot carry
// most control characters at all.
func WriteJUnit(w io.Writer, name string, suites []TestSuite) error {
	doc := junitTestsuites{Name: Sanitize(name)}
	for _, s := range suites {
		js := junitTestsuite{Name: Sanitize(s.Name), Tests: len(s.Cases)}
		for _, c := range s.Cases {
			jc := junitTestcase{Name: Sanitize(c.Name), Classname: Sanitize(c.Classname), Time: c.Seconds}
			switch {
			case c.Failure != "":
				jc.Failure = &junitFailure{Message: Sanitize(c.Failure), Text: sanitizeBlock(c.Details)}
				js.Failures++
			case c.Skipped != "":
				jc.Skipped = &junitFailure{Message: Sanitize(c.Skipped)}
				js.Skipped++
			}
			js.Cases = append(js.Cases, jc)
		}
		doc.Tests += js.Tests
		doc.Failures += js.Failures
		doc.Skipped += js.Skipped
		doc.Suites = append(doc.Suites, js)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
