package cli

import (
	"reflect"

	"github.com/mailflowkit/mailflow/pkg/mx"
	"github.com/mailflowkit/mailflow/pkg/ndr"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/smtpprobe"
)

// JSONShape names the Go types behind one command's JSON output.
// scripts/gendocs reflects them into the JSON Schemas in docs/schema, and
// the tests validate real output against those schemas, so a type listed
// here and the JSON the command writes cannot drift apart unnoticed.
type JSONShape struct {
	Command string
	// Data is a value of the type of the report's "data" member.
	Data any
	// Records lists the kinds of line --format jsonl writes, nil when the
	// command has no jsonl. A record is the union of the JSON objects of
	// its parts: most have one part; a record that a MarshalJSON assembles
	// from several types names each of them.
	Records [][]any
}

// JSONShapes lists every command that writes a report, in the order of
// the docs.
func JSONShapes() []JSONShape {
	return []JSONShape{
		{Command: "mx", Data: mxData{}, Records: [][]any{
			{mx.ItemHead{}, mx.Result{}},
			{report.ErrorRecord{}},
			{bulkSummary{}},
		}},
		{Command: "smtp", Data: smtpprobe.RunResult{}, Records: [][]any{
			{smtpRecordHead{}, smtpprobe.Result{}},
			{bulkSummary{}},
		}},
		{Command: "dnsbl", Data: dnsblData{}, Records: [][]any{
			{dnsblResultRecord{}},
			{report.ErrorRecord{}},
			{bulkSummary{}},
		}},
		{Command: "ndr", Data: ndr.ReportData{}, Records: [][]any{
			{ndrRecordHead{}, ndr.Result{}},
			{bulkSummary{}},
		}},
		{Command: "lint", Data: lintData{}},
		{Command: "check", Data: checkData{}},
	}
}

// JSONExtras maps a type whose MarshalJSON adds fields to its struct
// fields to a value of a type holding those fields.
func JSONExtras() map[reflect.Type]any {
	return map[reflect.Type]any{
		reflect.TypeFor[mx.Result](): mx.ResultDomain{},
	}
}
