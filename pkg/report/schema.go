package report

// The JSON Schemas of the output live in docs/schema, generated from the Go
// types by scripts/gendocs. These names tie the generator, the docs and the
// tests that validate output to one set of files.
const (
	// SchemaBase is where the schemas are published: a schema's $id is
	// SchemaBase followed by its file name.
	SchemaBase = "https://raw.githubusercontent.com/mailflowkit/mailflow/main/docs/schema/"
	// ReportSchemaFile is the schema of the --format json document.
	ReportSchemaFile = "report.schema.json"
)

// RecordsSchemaFile is the schema of one line of command's --format jsonl.
func RecordsSchemaFile(command string) string { return command + ".jsonl.schema.json" }

// JSONDocument returns a zero value of the document MarshalJSONDoc writes,
// so the schema generator can reflect the type itself rather than a copy.
func JSONDocument() any { return jsonDoc{} }

// IDPattern is the regular expression every finding ID matches, for the
// schema's "id" property.
func IDPattern() string { return idForm().String() }
