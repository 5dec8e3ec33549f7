package smtpprobe

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/mailflowkit/mailflow/pkg/internal/yamlx"
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

// ScriptError points at the place in a script that is wrong
// ("file:line:column: ...").
type ScriptError = yamlx.Error

// scriptParser reads a script's nodes; yamlx.File names the file in
// errors. Anchors and aliases are refused: a script has no use for them.
type scriptParser struct{ yamlx.File }

// scriptKeys are the keys of a script's top level.
var scriptKeys = []string{"description", "ehlo", "steps", "expect"}

// LoadScript parses a script; file names it in errors ("file:line:column: ...").
func LoadScript(file string, data []byte) (*Script, error) {
	p := scriptParser{yamlx.File{Name: file, MaxBytes: MaxScriptBytes}}
	root, err := p.Parse(data)
	if err != nil {
		return nil, err
	}
	const want = "a mapping with steps and/or expect"
	if root == nil {
		return nil, p.Errorf(nil, "script is empty (want %s)", want)
	}
	if root.Kind != yaml.MappingNode {
		return nil, p.Errorf(root, "want %s at the top, not %s", want, yamlx.KindName(root))
	}
	top, err := p.Mapping(root, "the top level", scriptKeys)
	if err != nil {
		return nil, err
	}
	s := &Script{}
	for _, f := range top {
		v := f.Val
		switch f.Key.Value {
		case "description":
			s.Description, err = p.Scalar(v, "description")
		case "ehlo":
			s.EHLO, err = p.Scalar(v, "ehlo")
			if err == nil && (s.EHLO == "" || strings.ContainsAny(s.EHLO, " \t\r\n")) {
				err = p.Errorf(v, "ehlo: want one host name, got %q", s.EHLO)
			}
		case "steps":
			s.Steps, err = p.steps(v)
		case "expect":
			s.Expect, err = p.expectations(v)
		}
		if err != nil {
			return nil, err
		}
	}
	if len(s.Steps) == 0 && len(s.Expect) == 0 {
		return nil, p.Errorf(root, "script has neither steps nor expect")
	}
	return s, nil
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
		return entry{}, p.Errorf(n, "%s: want a name or a name: value mapping, not %s", what, yamlx.KindName(n))
	}
	fs, err := p.Mapping(n, what, nil)
	if err != nil {
		return entry{}, err
	}
	e := entry{extra: map[string]*yaml.Node{}}
	for _, f := range fs {
		k := f.Key
		if slices.Contains(extras, k.Value) {
			e.extra[k.Value] = f.Val
			continue
		}
		if e.nameNode != nil {
			return entry{}, p.Errorf(k, "%s: %q and %q in one entry; start a new list item with -", what, e.name, k.Value)
		}
		e.name, e.nameNode, e.value = k.Value, k, f.Val
	}
	if e.nameNode == nil {
		return entry{}, p.Errorf(n, "%s: entry has no name", what)
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
	return yamlx.Each(p.File, n, what, maxScriptItems, func(it *yaml.Node) (T, error) {
		e, err := p.entry(it, what, extras...)
		if err != nil {
			var zero T
			return zero, err
		}
		return conv(e)
	})
}

func (p scriptParser) step(e entry) (Step, error) {
	kind := StepKind(strings.ToLower(e.name))
	fields, known := stepFields[kind]
	if !known {
		names := make([]string, len(stepKinds))
		for i, k := range stepKinds {
			names[i] = string(k)
		}
		return Step{}, p.Errorf(e.nameNode, "unknown step %q (want %s)", e.name, strings.Join(names, ", "))
	}
	st := Step{Kind: kind, Source: p.Where(e.nameNode)}
	if v, ok := e.extra["expect"]; ok {
		s, err := p.Scalar(v, string(kind)+" expect")
		if err != nil {
			return Step{}, err
		}
		cp, err := ParseCodePattern(s)
		if err != nil {
			return Step{}, p.Errorf(v, "%s expect: %v", kind, err)
		}
		st.Expect = &cp
	}
	// Fields in document order, so the first bad one is the one reported.
	type keyed struct {
		key string
		val *yaml.Node
	}
	var vals []keyed
	switch {
	case e.value == nil || (e.value.Kind == yaml.ScalarNode && e.value.Tag == "!!null"):
	case e.value.Kind == yaml.MappingNode:
		fs, err := p.Mapping(e.value, string(kind), nil)
		if err != nil {
			return Step{}, err
		}
		for _, f := range fs {
			k := f.Key
			if k.Value == "password" || k.Value == "token" {
				return Step{}, p.Errorf(k, "%s: a %s does not belong in a script; use --password-file or MAILFLOW_PASSWORD", kind, k.Value)
			}
			if !slices.Contains(fields, k.Value) {
				return Step{}, p.Errorf(k, "%s: unknown key %q (want %s)", kind, k.Value, wantKeys(fields))
			}
			vals = append(vals, keyed{k.Value, f.Val})
		}
	case len(fields) == 0:
		return Step{}, p.Errorf(e.value, "%s takes no value", kind)
	default:
		vals = append(vals, keyed{fields[0], e.value})
	}
	for _, kv := range vals {
		if err := p.stepField(&st, kv.key, kv.val); err != nil {
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
		hs, err := yamlx.Each(p.File, v, what, maxScriptItems, func(it *yaml.Node) (string, error) {
			h, err := p.Scalar(it, what)
			if err != nil {
				return "", err
			}
			if err := CheckHeader(h); err != nil {
				return "", p.Errorf(it, "%s: %v", what, err)
			}
			return h, nil
		})
		st.Headers = hs
		return err
	}
	s, err := p.Scalar(v, what)
	if err != nil {
		return err
	}
	if strings.ContainsAny(s, "\r\n") && key != "body" {
		return p.Errorf(v, "%s: must be one line", what)
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
			return p.Errorf(at, "starttls: %v", err)
		}
		if m == TLSNever {
			return p.Errorf(at, "starttls: mode never makes no sense as a step; leave the step out")
		}
	case StepAuth:
		if st.Arg != "" && !KnownMechanism(st.Arg) {
			return p.Errorf(at, "auth: unknown mechanism %q (want %s)", st.Arg, strings.Join(Mechanisms, ", "))
		}
	case StepRcpt, StepVRFY, StepEXPN:
		if st.Arg == "" {
			return p.Errorf(at, "%s needs a value", st.Kind)
		}
	}
	if st.Kind == StepMail || st.Kind == StepRcpt || st.Kind == StepRelayTest {
		if err := CheckAddress(st.Arg); err != nil {
			return p.Errorf(at, "%s: %v", st.Kind, err)
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
		return Expectation{}, p.Errorf(e.nameNode, "unknown expectation %q (want %s)", e.name, strings.Join(expectNames(), ", "))
	}
	val := ""
	if e.value != nil {
		s, err := p.Scalar(e.value, string(kind))
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
			return Expectation{}, p.Errorf(at, "%s: want one keyword, got %q", kind, val)
		}
		x = Expectation{Kind: kind, Arg: strings.ToUpper(val)}
	case ExpectNoAuthBeforeTLS:
		if e.value != nil && val != "true" && e.value.Tag != "!!null" {
			return Expectation{}, p.Errorf(at, "no_auth_before_tls: want true or no value, got %q", val)
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
		return Expectation{}, p.Errorf(at, "%s: %v", kind, err)
	}
	x.Origin = p.Where(e.nameNode)
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
