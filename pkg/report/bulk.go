package report

// ErrorRecord is the "error" line of a bulk run's JSON lines (docs/json.md):
// an input that could not be used, such as a line of a list that is not a
// domain. The run goes on without it.
type ErrorRecord struct {
	Type string `json:"type" jsonschema:"enum=error"`
	// Source says where the input came from: FILE:LINE.
	Source string `json:"source,omitempty"`
	// Target is the input as written.
	Target string `json:"target,omitempty"`
	// Error says why it could not be used.
	Error string `json:"error"`
}
