package smtpprobe

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Script is a session written in YAML (docs/smtp.md, "Scripts"): the steps
// to run and the expectations to check.
type Script struct {
	Description string
	// EHLO is the name for every EHLO of the session, unless Options.EHLO
	// (--ehlo) is set.
	EHLO   string
	Steps  []Step
	Expect []Expectation
}

// Limits that keep a hostile or mistaken script from running away.
const (
	MaxScriptBytes = 1 << 20
	maxScriptItems = 1000
)

// ScriptError points at the line of a script that is wrong.
type ScriptError struct {
	File string
	Line int
	Msg  string
}

func (e *ScriptError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

type scriptParser struct{ file string }

func (p scriptParser) errf(n *yaml.Node, format string, a ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &ScriptError{File: p.file, Line: line, Msg: fmt.Sprintf(format, a...)}
}

// LoadScript parses a script; file names it in errors ("file:line: ...").
func LoadScript(file string, data []byte) (*Script, error) {
	p := scriptParser{file: file}
	if len(data) > MaxScriptBytes {
		return nil, p.errf(nil, "script is larger than %d bytes", MaxScriptBytes)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, p.yamlErr(err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, p.errf(nil, "script is empty (want a mapping with steps and/or expect)")
	}
	root := doc.Content[0]
	if err := p.noAliases(root); err != nil {
		return nil, err
	}
	if root.Kind != yaml.MappingNode {
		return nil, p.errf(root, "want a mapping with steps and/or expect at the top, not %s", kindName(root))
	}
	s := &Script{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		var err error
		switch k.Value {
		case "description":
			s.Description, err = p.scalar(v, "description")
		case "ehlo":
			s.EHLO, err = p.scalar(v, "ehlo")
			if err == nil && (s.EHLO == "" || strings.ContainsAny(s.EHLO, " \t\r\n")) {
				err = p.errf(v, "ehlo: want one host name, got %q", s.EHLO)
			}
		case "steps":
			s.Steps, err = p.steps(v)
		case "expect":
			s.Expect, err = p.expectations(v)
		default:
			err = p.errf(k, "unknown key %q at the top (want description, ehlo, steps, expect)", k.Value)
		}
		if err != nil {
			return nil, err
		}
	}
	if len(s.Steps) == 0 && len(s.Expect) == 0 {
		return nil, p.errf(root, "script has neither steps nor expect")
	}
	return s, nil
}

// yamlErr keeps the parser's line number in our file:line form.
func (p scriptParser) yamlErr(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, tail, ok := strings.Cut(rest, ": "); ok {
			if n, convErr := strconv.Atoi(num); convErr == nil {
				return &ScriptError{File: p.file, Line: n, Msg: "not valid YAML: " + tail}
			}
		}
	}
	return &ScriptError{File: p.file, Msg: "not valid YAML: " + msg}
}

// noAliases refuses anchors and aliases: a script has no use for them and
// expanding them is how small YAML files become huge.
func (p scriptParser) noAliases(n *yaml.Node) error {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return p.errf(n, "anchors and aliases are not supported in scripts")
	}
	for _, c := range n.Content {
		if err := p.noAliases(c); err != nil {
			return err
		}
	}
	return nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	}
	return "a scalar"
}

func (p scriptParser) scalar(n *yaml.Node, what string) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", p.errf(n, "%s: want a single value, not %s", what, kindName(n))
	}
	return n.Value, nil
}

func (p scriptParser) list(n *yaml.Node, what string) ([]*yaml.Node, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, p.errf(n, "%s: want a list, not %s", what, kindName(n))
	}
	if len(n.Content) > maxScriptItems {
		return nil, p.errf(n, "%s: more than %d entries", what, maxScriptItems)
	}
	return n.Content, nil
}

// entry splits a list item into its name and value: a bare scalar
// ("ehlo"), or a mapping whose first key is the name, with optional extra
// keys allowed by the caller ("rcpt: x" plus "expect: 250").
type entry struct {
	name     string
	nameNode *yaml.Node
	value    *yaml.Node // nil for a bare scalar
	extra    map[string]*yaml.Node
}

func (p scriptParser) entry(n *yaml.Node, what string, extras ...string) (entry, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		return entry{name: n.Value, nameNode: n}, nil
	case yaml.MappingNode:
	default:
		return entry{}, p.errf(n, "%s: want a name or a name: value mapping, not %s", what, kindName(n))
	}
	e := entry{extra: map[string]*yaml.Node{}}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if slices.Contains(extras, k.Value) {
			if _, dup := e.extra[k.Value]; dup {
				return entry{}, p.errf(k, "%s: %q given twice", what, k.Value)
			}
			e.extra[k.Value] = v
			continue
		}
		if e.nameNode != nil {
			return entry{}, p.errf(k, "%s: %q and %q in one entry; start a new list item with -", what, e.name, k.Value)
		}
		e.name, e.nameNode, e.value = k.Value, k, v
	}
	if e.nameNode == nil {
		return entry{}, p.errf(n, "%s: entry has no name", what)
	}
	return e, nil
}

// stepFields lists the keys each step accepts in its mapping form; the
// first is what a plain value means ("rcpt: x" is "rcpt: {to: x}").
var stepFields = map[StepKind][]string{
	StepEHLO:      nil,
	StepSTARTTLS:  {"mode"},
	StepAuth:      {"mechanism", "user"},
	StepVRFY:      {"arg"},
	StepEXPN:      {"arg"},
	StepRelayTest: {"from"},
	StepMail:      {"from", "params"},
	StepRcpt:      {"to", "params"},
	StepData:      {"body", "headers"},
	StepRSET:      nil,
	StepNOOP:      nil,
	StepQuit:      nil,
}

func (p scriptParser) steps(n *yaml.Node) ([]Step, error) {
	return parseList(p, n, "steps", []string{"expect"}, p.step)
}

// parseList splits a list into entries and converts each.
func parseList[T any](p scriptParser, n *yaml.Node, what string, extras []string, conv func(entry) (T, error)) ([]T, error) {
	items, err := p.list(n, what)
	if err != nil {
		return nil, err
	}
	var out []T
	for _, it := range items {
		e, err := p.entry(it, what, extras...)
		if err != nil {
			return nil, err
		}
		v, err := conv(e)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (p scriptParser) step(e entry) (Step, error) {
	kind := StepKind(strings.ToLower(e.name))
	fields, known := stepFields[kind]
	if !known {
		names := make([]string, len(stepKinds))
		for i, k := range stepKinds {
			names[i] = string(k)
		}
		return Step{}, p.errf(e.nameNode, "unknown step %q (want %s)", e.name, strings.Join(names, ", "))
	}
	st := Step{Kind: kind, Line: e.nameNode.Line}
	if v, ok := e.extra["expect"]; ok {
		s, err := p.scalar(v, string(kind)+" expect")
		if err != nil {
			return Step{}, err
		}
		cp, err := ParseCodePattern(s)
		if err != nil {
			return Step{}, p.errf(v, "%s expect: %v", kind, err)
		}
		st.Expect = &cp
	}
	vals := map[string]*yaml.Node{}
	switch {
	case e.value == nil || (e.value.Kind == yaml.ScalarNode && e.value.Tag == "!!null"):
	case e.value.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(e.value.Content); i += 2 {
			k, v := e.value.Content[i], e.value.Content[i+1]
			if k.Value == "password" || k.Value == "token" {
				return Step{}, p.errf(k, "%s: a %s does not belong in a script; use --password-file or MAILFLOW_PASSWORD", kind, k.Value)
			}
			if !slices.Contains(fields, k.Value) {
				return Step{}, p.errf(k, "%s: unknown key %q (want %s)", kind, k.Value, wantKeys(fields))
			}
			vals[k.Value] = v
		}
	case len(fields) == 0:
		return Step{}, p.errf(e.value, "%s takes no value", kind)
	default:
		vals[fields[0]] = e.value
	}
	for key, v := range vals {
		if err := p.stepField(&st, key, v); err != nil {
			return Step{}, err
		}
	}
	return st, p.checkStep(st, e.nameNode)
}

func wantKeys(fields []string) string {
	f := append([]string{}, fields...)
	sort.Strings(f)
	return strings.Join(f, ", ")
}

func (p scriptParser) stepField(st *Step, key string, v *yaml.Node) error {
	what := string(st.Kind) + " " + key
	if key == "headers" {
		items, err := p.list(v, what)
		if err != nil {
			return err
		}
		for _, it := range items {
			h, err := p.scalar(it, what)
			if err != nil {
				return err
			}
			if err := CheckHeader(h); err != nil {
				return p.errf(it, "%s: %v", what, err)
			}
			st.Headers = append(st.Headers, h)
		}
		return nil
	}
	s, err := p.scalar(v, what)
	if err != nil {
		return err
	}
	if strings.ContainsAny(s, "\r\n") && key != "body" {
		return p.errf(v, "%s: must be one line", what)
	}
	switch key {
	case "body":
		st.Body = s
	case "params":
		st.Params = s
	case "user":
		st.User = s
	default:
		st.Arg = s
	}
	return nil
}

// checkStep validates argument values once all fields are in.
func (p scriptParser) checkStep(st Step, at *yaml.Node) error {
	switch st.Kind {
	case StepSTARTTLS:
		if st.Arg == "" {
			return nil
		}
		m, err := ParseStartTLSMode(st.Arg)
		if err != nil {
			return p.errf(at, "starttls: %v", err)
		}
		if m == TLSNever {
			return p.errf(at, "starttls: mode never makes no sense as a step; leave the step out")
		}
	case StepAuth:
		if st.Arg != "" && !KnownMechanism(st.Arg) {
			return p.errf(at, "auth: unknown mechanism %q (want %s)", st.Arg, strings.Join(Mechanisms, ", "))
		}
	case StepRcpt, StepVRFY, StepEXPN:
		if st.Arg == "" {
			return p.errf(at, "%s needs a value", st.Kind)
		}
	}
	if st.Kind == StepMail || st.Kind == StepRcpt || st.Kind == StepRelayTest {
		if err := CheckAddress(st.Arg); err != nil {
			return p.errf(at, "%s: %v", st.Kind, err)
		}
	}
	return nil
}

var expectFields = []ExpectKind{ExpectExt, ExpectAuth, ExpectNoAuthBeforeTLS, ExpectCode, ExpectTLSVersion, ExpectCertDays}

func (p scriptParser) expectations(n *yaml.Node) ([]Expectation, error) {
	return parseList(p, n, "expect", nil, p.expectation)
}

func (p scriptParser) expectation(e entry) (Expectation, error) {
	kind := ExpectKind(strings.ToLower(e.name))
	if !slices.Contains(expectNames(), string(kind)) {
		return Expectation{}, p.errf(e.nameNode, "unknown expectation %q (want %s)", e.name, strings.Join(expectNames(), ", "))
	}
	val := ""
	if e.value != nil {
		s, err := p.scalar(e.value, string(kind))
		if err != nil {
			return Expectation{}, err
		}
		val = s
	}
	at := e.nameNode
	if e.value != nil {
		at = e.value
	}
	var x Expectation
	var err error
	switch kind {
	case ExpectExt, ExpectAuth:
		if strings.TrimSpace(val) == "" || strings.ContainsAny(val, " \t\r\n") {
			return Expectation{}, p.errf(at, "%s: want one keyword, got %q", kind, val)
		}
		x = Expectation{Kind: kind, Arg: strings.ToUpper(val)}
	case ExpectNoAuthBeforeTLS:
		if e.value != nil && val != "true" && e.value.Tag != "!!null" {
			return Expectation{}, p.errf(at, "no_auth_before_tls: want true or no value, got %q", val)
		}
		x = Expectation{Kind: kind}
	case ExpectCode:
		x, err = ParseExpectCode(val)
	case ExpectTLSVersion:
		x, err = ParseTLSVersion(val)
	case ExpectCertDays:
		x, err = ParseCertDays(val)
	}
	if err != nil {
		return Expectation{}, p.errf(at, "%s: %v", kind, err)
	}
	x.Origin = fmt.Sprintf("%s:%d", p.file, e.nameNode.Line)
	return x, nil
}

func expectNames() []string {
	out := make([]string, len(expectFields))
	for i, k := range expectFields {
		out[i] = string(k)
	}
	return out
}

// ParseCertDays reads --expect-cert-days: the certificate must stay valid
// at least this many more days.
func ParseCertDays(s string) (Expectation, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 || n > 36500 {
		return Expectation{}, fmt.Errorf("%q is not a number of days (want 0 to 36500)", s)
	}
	return Expectation{Kind: ExpectCertDays, Days: n}, nil
}

// CheckHeader validates a "Name: value" header line.
func CheckHeader(h string) error {
	name, _, ok := strings.Cut(h, ":")
	if !ok || name == "" {
		return fmt.Errorf("header %q: want \"Name: value\"", h)
	}
	for _, c := range name {
		if c <= ' ' || c > '~' {
			return fmt.Errorf("header %q: the name may only hold printable ASCII without spaces", h)
		}
	}
	if strings.ContainsAny(h, "\r\n") {
		return fmt.Errorf("header %q: must be one line", h)
	}
	return nil
}

// CheckAddress validates an envelope address: empty (the null path) or
// local@domain without spaces, angle brackets or line breaks, or the bare
// "postmaster" RFC 5321 §4.1.1.3 lets every server accept.
func CheckAddress(a string) error {
	if a == "" || a == "<>" || strings.EqualFold(a, "postmaster") {
		return nil
	}
	if strings.ContainsAny(a, " \t\r\n<>") {
		return fmt.Errorf("address %q must not contain spaces, line breaks or angle brackets", a)
	}
	if local, domain, ok := strings.Cut(a, "@"); !ok || local == "" || domain == "" {
		return fmt.Errorf("address %q: want local@domain", a)
	}
	if len(a) > 254 {
		return fmt.Errorf("address %q is longer than 254 characters", a[:40]+"...")
	}
	return nil
}
