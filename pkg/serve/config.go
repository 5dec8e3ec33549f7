package serve

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/mailflowkit/mailflow/pkg/check"
	"github.com/mailflowkit/mailflow/pkg/dnsbl"
	"github.com/mailflowkit/mailflow/pkg/internal/lazyre"
	"github.com/mailflowkit/mailflow/pkg/internal/yamlx"
	"github.com/mailflowkit/mailflow/pkg/mx"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
	"github.com/mailflowkit/mailflow/pkg/smtpprobe"
)

// Limits on a configuration: a hand-written file with a few dozen modules.
const (
	MaxConfigBytes = 1 << 20
	maxModules     = 200
	maxListValues  = 100
	// MaxTimeout caps a module's timeout; Prometheus scrapes far more
	// often than that.
	MaxTimeout = 5 * time.Minute
)

// Commands are the commands a module can run.
var Commands = []string{"mx", "smtp", "dnsbl", "check"}

// Config is a parsed configuration: the modules a /probe request may name.
type Config struct {
	// File is the configuration file, "" for the built-in modules.
	File    string
	Modules []*Module
}

// Module returns the module called name, or nil.
func (c *Config) Module(name string) *Module {
	for _, m := range c.Modules {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// moduleName keeps names usable as label values and in URLs as written.
var moduleName = lazyre.New(`^[A-Za-z_][A-Za-z0-9_.-]{0,63}$`)

// The keys of the top level and of a module, in the order docs/serve.md
// lists them. A module's command options sit under the command's name.
var (
	topKeys    = []string{"modules"}
	moduleKeys = append([]string{"command", "timeout", "fail_on", "dns", "tcp", "attempt_timeout", "retries"}, Commands...)
)

// LoadConfig parses a configuration file. Every module starts from d, as
// the command would run in the same environment, and its keys override
// that. Files it names (ca_file, zones_file) are read now, relative to the
// configuration's directory. Errors name the file, line, column and key.
func LoadConfig(file string, data []byte, d Defaults) (*Config, error) {
	p := &parser{File: yamlx.File{Name: file, MaxBytes: MaxConfigBytes, AliasHint: "write each module out"}, dir: filepath.Dir(file)}
	root, err := p.Parse(data)
	if err != nil {
		return nil, err
	}
	if root == nil {
		return nil, p.Errorf(nil, "the configuration is empty (want a modules: mapping)")
	}
	top, err := p.Mapping(root, "the top level", topKeys)
	if err != nil {
		return nil, err
	}
	mods, ok := top.Get("modules")
	if !ok {
		return nil, p.Errorf(root, "missing modules: define at least one module")
	}
	fields, err := p.Mapping(mods.Val, "modules", nil)
	if err != nil {
		return nil, err
	}
	switch {
	case len(fields) == 0:
		return nil, p.Errorf(mods.Val, "modules: define at least one module")
	case len(fields) > maxModules:
		return nil, p.Errorf(mods.Val, "modules: %d modules, more than the %d allowed", len(fields), maxModules)
	}
	c := &Config{File: file}
	for _, f := range fields {
		m, err := p.module(f, d)
		if err != nil {
			return nil, err
		}
		c.Modules = append(c.Modules, m)
	}
	return c, nil
}

// parser reads one configuration file's nodes.
type parser struct {
	yamlx.File
	dir string
}

// keyError reports a mistake at n, naming the module and the key path.
func (p *parser) keyError(n *yaml.Node, m *Module, key string, format string, a ...any) error {
	return p.Errorf(n, "module %s: %s: %s", m.Name, key, fmt.Sprintf(format, a...))
}

func (p *parser) module(f yamlx.Field, d Defaults) (*Module, error) {
	name := f.Key.Value
	if !moduleName().MatchString(name) {
		return nil, p.Errorf(f.Key, "module name %q: want letters, digits, _ . and -, starting with a letter or _ (at most 64)", yamlx.Short(name))
	}
	fs, err := p.Mapping(f.Val, "module "+name, moduleKeys)
	if err != nil {
		return nil, err
	}
	cmdField, ok := fs.Get("command")
	if !ok {
		return nil, p.Errorf(f.Val, "module %s: missing command: (want one of %s)", name, strings.Join(Commands, ", "))
	}
	command, err := p.Scalar(cmdField.Val, "module "+name+": command")
	if err != nil {
		return nil, err
	}
	if !slices.Contains(Commands, command) {
		return nil, p.Errorf(cmdField.Val, "module %s: command: %q is not a command a probe runs (want one of %s)", name, yamlx.Short(command), strings.Join(Commands, ", "))
	}
	m, err := newModule(name, command, d)
	if err != nil {
		return nil, p.Errorf(cmdField.Val, "module %s: %v", name, err)
	}
	m.Origin = p.Where(f.Key)
	for _, kv := range fs {
		key, v := kv.Key.Value, kv.Val
		switch key {
		case "command":
			continue
		case "timeout", "attempt_timeout":
			var dur time.Duration
			if dur, err = p.duration(v, m, key); err == nil {
				if key == "timeout" {
					m.Timeout = dur
				} else {
					m.DNS.Timeout = dur
				}
			}
		case "fail_on":
			var s string
			if s, err = p.value(v, m, key); err == nil {
				if m.FailOn, err = report.ParseSeverity(s); err != nil || m.FailOn == report.OK {
					err = p.keyError(v, m, key, "want error, warning or info, not %q", yamlx.Short(s))
				}
			}
		case "dns":
			var servers []string
			if servers, err = p.values(v, m, key); err == nil {
				for i, s := range servers {
					if servers[i], err = resolver.ParseServer(s); err != nil {
						return nil, p.keyError(v, m, key, "%v", err)
					}
				}
				m.DNS.Servers = servers
			}
		case "tcp":
			m.DNS.TCP, err = p.boolean(v, m, key)
		case "retries":
			m.DNS.Retries, err = p.integer(v, m, key, 0, 10)
		default:
			if key != command {
				return nil, p.Errorf(kv.Key, "module %s: %s: options of another command (this module runs %s)", name, key, command)
			}
			err = p.options(v, m)
		}
		if err != nil {
			return nil, err
		}
		m.Options = append(m.Options, optionText(key, v)...)
	}
	return m, nil
}

// options reads the mapping of command options under the command's name.
func (p *parser) options(n *yaml.Node, m *Module) error {
	known := commandOptions[m.Command]
	keys := make([]string, len(known))
	for i, o := range known {
		keys[i] = o.key
	}
	fs, err := p.Mapping(n, "module "+m.Name+": "+m.Command, keys)
	if err != nil {
		return err
	}
	for _, f := range fs {
		i := slices.Index(keys, f.Key.Value)
		if err := known[i].set(p, f.Val, m, m.Command+"."+f.Key.Value); err != nil {
			return err
		}
	}
	return nil
}

// option is one key of a command's options: its name (the command's flag
// with _ for -) and how it changes the module.
type option struct {
	key string
	set func(p *parser, v *yaml.Node, m *Module, key string) error
}

// commandOptions are the options each command takes in a module: the
// flags of the command that make sense for a probe. Flags that would send
// a message, authenticate or read a spec are not among them.
var commandOptions = map[string][]option{
	"mx": {
		{"self", func(p *parser, v *yaml.Node, m *Module, key string) (err error) {
			m.mx.Self, err = p.self(v, m, key)
			return err
		}},
		{"security", func(p *parser, v *yaml.Node, m *Module, key string) (err error) {
			m.mx.Security, err = p.boolean(v, m, key)
			return err
		}},
		{"ptr", func(p *parser, v *yaml.Node, m *Module, key string) (err error) {
			m.mx.PTR, err = p.boolean(v, m, key)
			return err
		}},
		{"compare", func(p *parser, v *yaml.Node, m *Module, key string) (err error) {
			m.compare, err = p.server(v, m, key)
			return err
		}},
	},
	"smtp": {
		{"port", portOption(func(m *Module) *int { return &m.smtp.Port })},
		{"ehlo", ehloOption(func(m *Module) *string { return &m.smtp.EHLO })},
		{"starttls", func(p *parser, v *yaml.Node, m *Module, key string) error {
			s, err := p.value(v, m, key)
			if err == nil {
				if m.smtp.StartTLS, err = smtpprobe.ParseStartTLSMode(s); err != nil {
					return p.keyError(v, m, key, "%v", err)
				}
			}
			return err
		}},
		{"tls_on_connect", func(p *parser, v *yaml.Node, m *Module, key string) (err error) {
			m.smtp.TLSOnConnect, err = p.boolean(v, m, key)
			return err
		}},
		{"protocol", func(p *parser, v *yaml.Node, m *Module, key string) error {
			s, err := p.value(v, m, key)
			switch {
			case err != nil:
				return err
			case strings.EqualFold(s, "lmtp"), strings.EqualFold(s, "smtp"):
				m.smtp.LMTP = strings.EqualFold(s, "lmtp")
				return nil
			}
			return p.keyError(v, m, key, "want smtp or lmtp, not %q", yamlx.Short(s))
		}},
		{"quit_after", func(p *parser, v *yaml.Node, m *Module, key string) error {
			s, err := p.value(v, m, key)
			if err != nil {
				return err
			}
			ph, err := smtpprobe.ParsePhase(s)
			switch {
			case err != nil:
				return p.keyError(v, m, key, "%v", err)
			case ph == smtpprobe.PhaseData:
				return p.keyError(v, m, key, "a probe never sends a message: stop at rcpt or earlier")
			case ph == smtpprobe.PhaseAuth:
				return p.keyError(v, m, key, "a probe has no credentials: stop at tls, mail or rcpt")
			}
			m.smtp.QuitAfter = ph
			return nil
		}},
		{"from", func(p *parser, v *yaml.Node, m *Module, key string) error {
			s, err := p.value(v, m, key)
			if err == nil {
				if err = smtpprobe.CheckAddress(s); err != nil {
					return p.keyError(v, m, key, "%v", err)
				}
				m.smtp.From = s
			}
			return err
		}},
		{"to", func(p *parser, v *yaml.Node, m *Module, key string) error {
			to, err := p.values(v, m, key)
			for _, a := range to {
				if err := smtpprobe.CheckAddress(a); err != nil {
					return p.keyError(v, m, key, "%v", err)
				}
			}
			m.smtp.To = to
			return err
		}},
		{"relay_test", func(p *parser, v *yaml.Node, m *Module, key string) (err error) {
			m.smtp.RelayTest, err = p.boolean(v, m, key)
			return err
		}},
		{"all_mx", func(p *parser, v *yaml.Node, m *Module, key string) (err error) {
			m.smtp.AllMX, err = p.boolean(v, m, key)
			return err
		}},
		{"concurrency", func(p *parser, v *yaml.Node, m *Module, key string) (err error) {
			m.smtp.Concurrency, err = p.integer(v, m, key, 1, 64)
			return err
		}},
		{"ca_file", caOption},
		{"expect_ext", expectKeywords(smtpprobe.ExpectExt)},
		{"expect_auth", expectKeywords(smtpprobe.ExpectAuth)},
		{"expect_no_auth_before_tls", func(p *parser, v *yaml.Node, m *Module, key string) error {
			b, err := p.boolean(v, m, key)
			if b {
				m.smtp.Expect = append(m.smtp.Expect, smtpprobe.Expectation{Kind: smtpprobe.ExpectNoAuthBeforeTLS, Origin: p.Where(v)})
			}
			return err
		}},
		{"expect_code", expectParsed(smtpprobe.ParseExpectCode, true)},
		{"expect_tls_version", expectParsed(smtpprobe.ParseTLSVersion, false)},
		{"expect_cert_days", expectParsed(smtpprobe.ParseCertDays, false)},
	},
	"dnsbl": {
		{"zone", zoneOption},
		{"zones_file", func(p *parser, v *yaml.Node, m *Module, key string) error {
			path, err := p.value(v, m, key)
			if err != nil {
				return err
			}
			path = p.path(path)
			data, err := readFile(path, dnsbl.MaxZonesFile)
			if err != nil {
				return p.keyError(v, m, key, "%v", err)
			}
			lists, err := dnsbl.LoadZonesFile(path, data)
			if err != nil {
				return p.keyError(v, m, key, "%v", err)
			}
			m.zonesFile = lists
			return nil
		}},
		{"rate", rateOption},
	},
	"check": {
		{"port", portOption(func(m *Module) *int { return &m.check.Port })},
		{"ehlo", ehloOption(func(m *Module) *string { return &m.check.Probe.EHLO })},
		{"ca_file", caOption},
		{"self", func(p *parser, v *yaml.Node, m *Module, key string) (err error) {
			m.check.Self, err = p.self(v, m, key)
			return err
		}},
		{"zone", zoneOption},
		{"dnsbl_dns", func(p *parser, v *yaml.Node, m *Module, key string) (err error) {
			m.dnsblDNS, err = p.server(v, m, key)
			return err
		}},
		{"rate", rateOption},
		{"relay_test", func(p *parser, v *yaml.Node, m *Module, key string) (err error) {
			m.check.Probe.RelayTest, err = p.boolean(v, m, key)
			return err
		}},
		{"concurrency", func(p *parser, v *yaml.Node, m *Module, key string) (err error) {
			m.check.Concurrency, err = p.integer(v, m, key, 1, check.MaxConcurrency)
			return err
		}},
	},
}

func portOption(field func(*Module) *int) func(*parser, *yaml.Node, *Module, string) error {
	return func(p *parser, v *yaml.Node, m *Module, key string) (err error) {
		*field(m), err = p.integer(v, m, key, 1, 65535)
		return err
	}
}

func ehloOption(field func(*Module) *string) func(*parser, *yaml.Node, *Module, string) error {
	return func(p *parser, v *yaml.Node, m *Module, key string) error {
		s, err := p.value(v, m, key)
		if err == nil && (s == "" || strings.ContainsAny(s, " \t\r\n")) {
			return p.keyError(v, m, key, "want one host name")
		}
		*field(m) = s
		return err
	}
}

func caOption(p *parser, v *yaml.Node, m *Module, key string) error {
	files, err := p.values(v, m, key)
	if err != nil {
		return err
	}
	for i := range files {
		files[i] = p.path(files[i])
	}
	pool, err := caPool(files)
	if err != nil {
		return p.keyError(v, m, key, "%v", err)
	}
	m.caFiles = files
	m.smtp.RootCAs, m.check.Probe.RootCAs = pool, pool
	return nil
}

func zoneOption(p *parser, v *yaml.Node, m *Module, key string) error {
	specs, err := p.values(v, m, key)
	if err != nil {
		return err
	}
	if m.zones, err = parseZones(specs); err != nil {
		return p.keyError(v, m, key, "%v", err)
	}
	return nil
}

func rateOption(p *parser, v *yaml.Node, m *Module, key string) error {
	s, err := p.value(v, m, key)
	if err == nil {
		if m.rate, err = dnsbl.ParseRate(s); err != nil {
			return p.keyError(v, m, key, "%v", err)
		}
	}
	return err
}

// expectKeywords reads expect_ext and expect_auth: EHLO keywords.
func expectKeywords(kind smtpprobe.ExpectKind) func(*parser, *yaml.Node, *Module, string) error {
	return func(p *parser, v *yaml.Node, m *Module, key string) error {
		words, err := p.values(v, m, key)
		for _, w := range words {
			if strings.ContainsAny(w, " \t\r\n") {
				return p.keyError(v, m, key, "%q: want one keyword", yamlx.Short(w))
			}
			m.smtp.Expect = append(m.smtp.Expect, smtpprobe.Expectation{Kind: kind, Arg: strings.ToUpper(w), Origin: p.Where(v)})
		}
		return err
	}
}

// expectParsed reads an expectation smtpprobe parses from text, one value
// or (many) a list.
func expectParsed(parse func(string) (smtpprobe.Expectation, error), many bool) func(*parser, *yaml.Node, *Module, string) error {
	return func(p *parser, v *yaml.Node, m *Module, key string) error {
		var vals []string
		var err error
		if many {
			vals, err = p.values(v, m, key)
		} else {
			var s string
			s, err = p.value(v, m, key)
			vals = []string{s}
		}
		if err != nil {
			return err
		}
		for _, s := range vals {
			x, err := parse(s)
			if err != nil {
				return p.keyError(v, m, key, "%v", err)
			}
			x.Origin = p.Where(v)
			m.smtp.Expect = append(m.smtp.Expect, x)
		}
		return nil
	}
}

// value reads a single value, trimmed; an empty one is an error.
func (p *parser) value(n *yaml.Node, m *Module, key string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", p.keyError(n, m, key, "want a single value, not %s", yamlx.KindName(n))
	}
	s := strings.TrimSpace(n.Value)
	if s == "" {
		return "", p.keyError(n, m, key, "the value is empty")
	}
	if len(s) > 1024 {
		return "", p.keyError(n, m, key, "the value is longer than 1024 bytes")
	}
	return s, nil
}

// values reads a list of values; a single value is a list of one.
func (p *parser) values(n *yaml.Node, m *Module, key string) ([]string, error) {
	if n.Kind == yaml.ScalarNode {
		s, err := p.value(n, m, key)
		return []string{s}, err
	}
	if n.Kind != yaml.SequenceNode {
		return nil, p.keyError(n, m, key, "want a value or a list of values, not %s", yamlx.KindName(n))
	}
	if len(n.Content) > maxListValues {
		return nil, p.keyError(n, m, key, "%d values, more than the %d allowed", len(n.Content), maxListValues)
	}
	if len(n.Content) == 0 {
		return nil, p.keyError(n, m, key, "the list is empty (leave the key out for the default)")
	}
	out := make([]string, len(n.Content))
	for i, e := range n.Content {
		var err error
		if out[i], err = p.value(e, m, key); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (p *parser) boolean(n *yaml.Node, m *Module, key string) (bool, error) {
	return p.Bool(n, "module "+m.Name+": "+key)
}

func (p *parser) integer(n *yaml.Node, m *Module, key string, lo, hi int) (int, error) {
	s, err := p.value(n, m, key)
	if err != nil {
		return 0, err
	}
	i, err := strconv.Atoi(s)
	if err != nil || i < lo || i > hi {
		return 0, p.keyError(n, m, key, "want a whole number from %d to %d, not %q", lo, hi, yamlx.Short(s))
	}
	return i, nil
}

func (p *parser) duration(n *yaml.Node, m *Module, key string) (time.Duration, error) {
	s, err := p.value(n, m, key)
	if err != nil {
		return 0, err
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 || d > MaxTimeout {
		return 0, p.keyError(n, m, key, "want a duration such as 10s, above 0 and at most %s, not %q", MaxTimeout, yamlx.Short(s))
	}
	return d, nil
}

func (p *parser) server(n *yaml.Node, m *Module, key string) (string, error) {
	s, err := p.value(n, m, key)
	if err != nil {
		return "", err
	}
	addr, err := resolver.ParseServer(s)
	if err != nil {
		return "", p.keyError(n, m, key, "%v", err)
	}
	return addr, nil
}

func (p *parser) self(n *yaml.Node, m *Module, key string) ([]string, error) {
	self, err := p.values(n, m, key)
	if err != nil {
		return nil, err
	}
	if err := mx.ValidateSelf(self); err != nil {
		return nil, p.keyError(n, m, key, "%v", strings.TrimPrefix(err.Error(), "--self: "))
	}
	return self, nil
}

// path resolves a file named in the configuration against its directory,
// so a configuration and its CA bundle can move together.
func (p *parser) path(s string) string {
	if filepath.IsAbs(s) {
		return s
	}
	return filepath.Join(p.dir, s)
}

// optionText is a key and its value as written, for the status page;
// a mapping gives one entry per key.
func optionText(key string, v *yaml.Node) []string {
	switch v.Kind {
	case yaml.ScalarNode:
		return []string{key + "=" + v.Value}
	case yaml.SequenceNode:
		vals := make([]string, len(v.Content))
		for i, e := range v.Content {
			vals[i] = e.Value
		}
		return []string{key + "=" + strings.Join(vals, ",")}
	}
	var out []string
	for i := 0; i+1 < len(v.Content); i += 2 {
		out = append(out, optionText(key+"."+v.Content[i].Value, v.Content[i+1])...)
	}
	return out
}

// readFile reads a file of at most limit bytes.
func readFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: larger than %d KiB", path, limit>>10)
	}
	return data, nil
}
