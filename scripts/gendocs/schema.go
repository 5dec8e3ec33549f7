package main

// The JSON Schemas in docs/schema are reflected from the Go types that the
// commands marshal (pkg/cli.JSONShapes), with github.com/invopop/jsonschema:
// it reads the json tags the encoder reads (names, omitempty, embedding),
// takes descriptions from the doc comments and writes draft 2020-12.
// What reflection cannot see is added here: the enum values of types that
// marshal as text, the fields a MarshalJSON adds, and the rules of the
// report document that the Go types do not carry (which data belongs to
// which command, the constant tool name and schema version).

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/invopop/jsonschema"
	orderedmap "github.com/pb33f/ordered-map/v2"

	"github.com/mailflowkit/mailflow/pkg/cli"
	"github.com/mailflowkit/mailflow/pkg/dnsbl"
	"github.com/mailflowkit/mailflow/pkg/lint"
	"github.com/mailflowkit/mailflow/pkg/mx"
	"github.com/mailflowkit/mailflow/pkg/ndr"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
	"github.com/mailflowkit/mailflow/pkg/smtpclient"
	"github.com/mailflowkit/mailflow/pkg/smtpprobe"
)

const modulePath = "github.com/mailflowkit/mailflow"

// enums lists the values of the types that marshal as one of a fixed set
// of strings. Reflection sees an int or a string; the constants are named
// here so the compiler checks them.
var enums = map[reflect.Type][]string{
	typeOf(report.OK): names(report.OK, report.Info, report.Warning, report.Error),
	typeOf(resolver.StatusOK): names(resolver.StatusOK, resolver.StatusNoData, resolver.StatusNXDomain,
		resolver.StatusServFail, resolver.StatusRefused, resolver.StatusTimeout, resolver.StatusError, resolver.StatusMismatch),
	typeOf(smtpclient.Sent): names(smtpclient.Sent, smtpclient.Received, smtpclient.Note),
	typeOf(mx.OutcomeMX): names(mx.OutcomeMX, mx.OutcomeImplicit, mx.OutcomeNullMX, mx.OutcomeNXDomain,
		mx.OutcomeNoRoute, mx.OutcomeLoop, mx.OutcomeUnchecked),
	typeOf(dnsbl.KindIP):       names(dnsbl.KindIP, dnsbl.KindDomain),
	typeOf(dnsbl.MatchAny):     names(dnsbl.MatchAny, dnsbl.MatchExact, dnsbl.MatchBitmask),
	typeOf(dnsbl.StatusClean):  names(dnsbl.StatusClean, dnsbl.StatusListed, dnsbl.StatusError, dnsbl.StatusUnchecked),
	typeOf(dnsbl.VerdictClean): names(dnsbl.VerdictClean, dnsbl.VerdictListed, dnsbl.VerdictIncomplete),
	typeOf(dnsbl.TargetIP):     names(dnsbl.TargetIP, dnsbl.TargetRange, dnsbl.TargetName),
	typeOf(dnsbl.HealthOK): names(dnsbl.HealthOK, dnsbl.HealthListsEverything, dnsbl.HealthBogus,
		dnsbl.HealthRefused, dnsbl.HealthDown, dnsbl.HealthNoTestEntry),
	typeOf(lint.FormatList): names(lint.FormatList, lint.FormatCliXML, lint.FormatJSON, lint.FormatLegacy),
	typeOf(ndr.KindBounce): names(ndr.KindBounce, ndr.KindFeedback, ndr.KindAutoReply, ndr.KindCode,
		ndr.KindNotBounce, ndr.KindUnparsed),
	typeOf(smtpprobe.StepEHLO): names(smtpprobe.StepEHLO, smtpprobe.StepSTARTTLS, smtpprobe.StepAuth,
		smtpprobe.StepVRFY, smtpprobe.StepEXPN, smtpprobe.StepRelayTest, smtpprobe.StepMail, smtpprobe.StepRcpt,
		smtpprobe.StepData, smtpprobe.StepRSET, smtpprobe.StepNOOP, smtpprobe.StepQuit),
}

func typeOf(v any) reflect.Type { return reflect.TypeOf(v) }

// names renders enum constants as they appear in JSON.
func names[T any](vals ...T) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		if m, ok := any(v).(encoding.TextMarshaler); ok {
			b, err := m.MarshalText()
			if err != nil {
				panic(err)
			}
			out[i] = string(b)
			continue
		}
		out[i] = fmt.Sprint(v)
	}
	return out
}

var (
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
	addrType      = reflect.TypeFor[netip.Addr]()
	timeType      = reflect.TypeFor[time.Time]()
)

// newReflector sets up reflection over mailflow's types. It reads the doc
// comments of pkg/ for descriptions, so it runs from the repository root.
func newReflector() (*jsonschema.Reflector, error) {
	extras := cli.JSONExtras()
	commentMap := map[string]string{}
	r := &jsonschema.Reflector{
		CommentMap: commentMap,
		// Within a schema version fields are only ever added, and readers
		// are told to ignore the ones they do not know: the published
		// schema says so too. The tests validate strictly.
		AllowAdditionalProperties: true,
		Anonymous:                 true,
		Namer: func(t reflect.Type) string {
			if t.Name() == "" || t.PkgPath() == "" {
				return ""
			}
			return path.Base(t.PkgPath()) + "." + t.Name()
		},
		Mapper: func(t reflect.Type) *jsonschema.Schema {
			switch {
			case t == timeType:
				return nil // invopop writes date-time
			case t == addrType:
				return &jsonschema.Schema{Type: "string", AnyOf: []*jsonschema.Schema{{Format: "ipv4"}, {Format: "ipv6"}}}
			case enums[t] != nil:
				return &jsonschema.Schema{Type: "string", Enum: anys(enums[t])}
			case t.Implements(textMarshaler) || reflect.PointerTo(t).Implements(textMarshaler):
				return &jsonschema.Schema{Type: "string"}
			}
			return nil
		},
		LookupComment: func(t reflect.Type, field string) string {
			if v, ok := extras[t]; ok && field != "" {
				et := reflect.TypeOf(v)
				if _, ok := et.FieldByName(field); ok {
					return commentMap[et.PkgPath()+"."+et.Name()+"."+field]
				}
			}
			return ""
		},
		AdditionalFields: func(t reflect.Type) []reflect.StructField {
			v, ok := extras[t]
			if !ok {
				return nil
			}
			et := reflect.TypeOf(v)
			fs := make([]reflect.StructField, et.NumField())
			for i := range fs {
				fs[i] = et.Field(i)
			}
			return fs
		},
	}
	if err := r.AddGoComments(modulePath, "pkg"); err != nil {
		return nil, fmt.Errorf("reading doc comments (run from the repository root): %w", err)
	}
	// A description is one paragraph: unwrap the comment's lines.
	for k, c := range r.CommentMap {
		r.CommentMap[k] = strings.Join(strings.Fields(c), " ")
	}
	return r, nil
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// defs collects the definitions of several reflected types into one
// schema file.
type defs struct {
	r   *jsonschema.Reflector
	all jsonschema.Definitions
}

// ref reflects v and returns a reference to its definition.
func (d *defs) ref(v any) *jsonschema.Schema {
	s := d.r.Reflect(v)
	for name, def := range s.Definitions {
		d.all[name] = def
	}
	return &jsonschema.Schema{Ref: s.Ref}
}

// object reflects v and returns its definition itself.
func (d *defs) object(v any) *jsonschema.Schema {
	return d.all[path.Base(d.ref(v).Ref)]
}

// union is one object with the properties of every part: the schema of a
// record that a MarshalJSON assembles from several types.
func (d *defs) union(parts []any) *jsonschema.Schema {
	if len(parts) == 1 {
		return d.ref(parts[0])
	}
	u := &jsonschema.Schema{Type: "object", Properties: orderedmap.New[string, *jsonschema.Schema]()}
	for _, p := range parts {
		o := d.object(p)
		if u.Description == "" {
			u.Description = o.Description
		}
		for pair := o.Properties.Oldest(); pair != nil; pair = pair.Next() {
			u.Properties.Set(pair.Key, pair.Value)
		}
		u.Required = append(u.Required, o.Required...)
	}
	return u
}

// reportSchema is the schema of the JSON document every command writes,
// with the data of each command.
func reportSchema(r *jsonschema.Reflector) *jsonschema.Schema {
	d := &defs{r: r, all: jsonschema.Definitions{}}
	doc := d.object(report.JSONDocument())
	delete(d.all, path.Base(d.ref(report.JSONDocument()).Ref))
	s := &jsonschema.Schema{
		Version:     jsonschema.Version,
		ID:          jsonschema.ID(report.SchemaBase + report.ReportSchemaFile),
		Title:       "mailflow report",
		Description: "The document every mailflow command prints with --format json (and, for a single target, with --format jsonl on one line).",
		Type:        "object",
		Properties:  doc.Properties,
		Required:    doc.Required,
	}
	// The document's data is "any" in Go; which type it holds follows
	// from the command.
	var commands []any
	for _, sh := range cli.JSONShapes() {
		commands = append(commands, sh.Command)
		s.AllOf = append(s.AllOf, &jsonschema.Schema{
			If:   &jsonschema.Schema{Properties: props("command", &jsonschema.Schema{Const: sh.Command}), Required: []string{"command"}},
			Then: &jsonschema.Schema{Properties: props("data", d.ref(sh.Data))},
		})
	}
	s.Definitions = d.all

	set := func(name string, f func(*jsonschema.Schema)) {
		p, ok := s.Properties.Get(name)
		if !ok {
			panic("the report document has no property " + name)
		}
		f(p)
	}
	set("schema_version", func(p *jsonschema.Schema) {
		p.Const, p.Description = report.SchemaVersion, "The version of this document's shape (see docs/json.md for what changes it)."
	})
	set("tool", func(p *jsonschema.Schema) { p.Const = "mailflow" })
	set("command", func(p *jsonschema.Schema) { p.Enum = commands })
	set("started_at", func(p *jsonschema.Schema) { p.Format = "date-time" })
	var statuses, codes []any
	for _, code := range []int{report.ExitOK, report.ExitProblem, report.ExitUsage, report.ExitIncomplete} {
		statuses = append(statuses, report.StatusName(code))
		codes = append(codes, code)
	}
	set("status", func(p *jsonschema.Schema) { p.Enum = statuses })
	set("exit_code", func(p *jsonschema.Schema) { p.Enum = codes })
	set("counts", func(p *jsonschema.Schema) {
		p.Description = "Findings per severity; a severity without findings is left out. unchecked counts the findings of checks that could not be made."
		p.AdditionalProperties = nil
		p.Properties = orderedmap.New[string, *jsonschema.Schema]()
		for _, k := range append(enums[typeOf(report.OK)], "unchecked") {
			p.Properties.Set(k, &jsonschema.Schema{Type: "integer", Minimum: "0"})
		}
	})
	set("data", func(p *jsonschema.Schema) { p.Description = "The command's own result; its shape depends on command." })
	id, _ := s.Definitions["report.Finding"].Properties.Get("id")
	id.Pattern = report.IDPattern()
	return s
}

// props is a properties map with one property.
func props(name string, s *jsonschema.Schema) *orderedmap.OrderedMap[string, *jsonschema.Schema] {
	m := orderedmap.New[string, *jsonschema.Schema]()
	m.Set(name, s)
	return m
}

// recordsSchema is the schema of one line of a command's --format jsonl.
func recordsSchema(r *jsonschema.Reflector, sh cli.JSONShape) *jsonschema.Schema {
	d := &defs{r: r, all: jsonschema.Definitions{}}
	s := &jsonschema.Schema{
		Version:     jsonschema.Version,
		ID:          jsonschema.ID(report.SchemaBase + report.RecordsSchemaFile(sh.Command)),
		Title:       "mailflow " + sh.Command + " --format jsonl record",
		Description: "One line of mailflow " + sh.Command + " --format jsonl.",
	}
	for _, parts := range sh.Records {
		s.OneOf = append(s.OneOf, d.union(parts))
	}
	s.Definitions = d.all
	return s
}

// nonEmpty records what omitempty promises: a property the encoder may
// leave out is never an empty string or an empty array when present.
// Validation then catches an empty value that leaks past omitempty (a
// type that marshals itself, a hand-built record).
func nonEmpty(s *jsonschema.Schema) {
	if s == nil {
		return
	}
	one := uint64(1)
	if s.Properties != nil {
		for pair := s.Properties.Oldest(); pair != nil; pair = pair.Next() {
			p := pair.Value
			switch {
			case slices.Contains(s.Required, pair.Key) || p.Enum != nil || p.Const != nil:
			case p.Type == "string":
				p.MinLength = &one
			case p.Type == "array":
				p.MinItems = &one
			}
			nonEmpty(p)
		}
	}
	for _, sub := range slices.Concat(s.AllOf, s.AnyOf, s.OneOf, []*jsonschema.Schema{s.Items, s.AdditionalProperties, s.If, s.Then}) {
		nonEmpty(sub)
	}
	for _, name := range sortedKeys(s.Definitions) {
		nonEmpty(s.Definitions[name])
	}
}

// schemaFiles renders every schema file of docs/schema, by file name.
func schemaFiles() (map[string][]byte, error) {
	r, err := newReflector()
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	add := func(name string, s *jsonschema.Schema) error {
		nonEmpty(s)
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(s); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		out[name] = buf.Bytes()
		return nil
	}
	if err := add(report.ReportSchemaFile, reportSchema(r)); err != nil {
		return nil, err
	}
	for _, sh := range cli.JSONShapes() {
		if sh.Records == nil {
			continue
		}
		if err := add(report.RecordsSchemaFile(sh.Command), recordsSchema(r, sh)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// writeSchemas replaces the schema files in dir.
func writeSchemas(dir string) error {
	files, err := schemaFiles()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, err := filepath.Glob(filepath.Join(dir, "*.schema.json"))
	if err != nil {
		return err
	}
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	var errs []error
	for _, name := range sortedKeys(files) {
		errs = append(errs, os.WriteFile(filepath.Join(dir, name), files[name], 0o644))
	}
	return errors.Join(errs...)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
