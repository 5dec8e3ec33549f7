package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"

	"github.com/mailflowkit/mailflow/pkg/internal/yamlx"
	"github.com/mailflowkit/mailflow/pkg/report"
)

// A setting is a default the CLI takes from the environment or the
// configuration file when its flag is not given (docs/config.md). The
// precedence is flag > environment > file > the flag's own default.
type setting struct {
	// Key names the setting in the configuration file; the environment
	// variable is MAILFLOW_ and the key in upper case.
	Key  string
	Flag string
	// Sep lists the characters that separate values in the environment
	// variable of a setting with several values; "" for one value.
	Sep string
	// Commands are the commands whose flag it sets; nil for a global flag.
	Commands []string
}

func (s setting) env() string { return "MAILFLOW_" + strings.ToUpper(s.Key) }
func (s setting) list() bool  { return s.Sep != "" }

// settings are the global flags and the per-command flags an administrator
// repeats on every command. serve's built-in modules take the per-command
// ones too.
var settings = []setting{
	{Key: "dns", Flag: "dns", Sep: " ,"},
	{Key: "tcp", Flag: "tcp"},
	{Key: "timeout", Flag: "timeout"},
	{Key: "retries", Flag: "retries"},
	{Key: "format", Flag: "format"},
	{Key: "color", Flag: "color"},
	{Key: "fail_on", Flag: "fail-on"},
	{Key: "ca_file", Flag: "ca-file", Commands: []string{"smtp", "check", "serve"}},
	{Key: "ehlo", Flag: "ehlo", Commands: []string{"smtp", "check", "serve"}},
	{Key: "self", Flag: "self", Sep: " ,", Commands: []string{"mx", "check", "serve"}},
	// Zone specs hold commas (exact=127.0.0.2,127.0.0.4): only spaces
	// separate them.
	{Key: "zone", Flag: "zone", Sep: " ", Commands: []string{"dnsbl", "check", "serve"}},
	{Key: "dnsbl_dns", Flag: "dnsbl-dns", Commands: []string{"check", "serve"}},
}

// Where a setting's value came from.
const (
	sourceFlag    = "flag"
	sourceEnv     = "env"
	sourceFile    = "file"
	sourceDefault = "default"
)

// resolved is a setting's effective value and its origin.
type resolved struct {
	Values []string
	Source string
	// Where is the variable ($MAILFLOW_DNS) or the file line (FILE:LINE).
	Where string
}

// configFile is the CLI configuration file in effect.
type configFile struct {
	Path string `json:"path,omitempty"`
	// Source says how the path was chosen: env ($MAILFLOW_CONFIG), xdg
	// ($XDG_CONFIG_HOME) or home (~/.config).
	Source string `json:"source"`
	Exists bool   `json:"exists"`
	values map[string]fileValue
}

type fileValue struct {
	values []string
	node   *yaml.Node
}

// configState is what the pre-run learned, for config show and serve.
type configState struct {
	file     configFile
	resolved map[string]resolved
}

// maxConfigFile bounds the CLI configuration file: a dozen lines.
const maxConfigFile = 64 << 10

// noConfig marks commands that must work whatever the configuration
// holds: config path finds a broken file, completion runs on every Tab.
const noConfig = "mailflow:no-config"

// configPath finds the configuration file: $MAILFLOW_CONFIG, else
// $XDG_CONFIG_HOME/mailflow/config.yaml, else ~/.config/mailflow/config.yaml.
func (e *Env) configPath() configFile {
	if p := e.IO.Getenv("MAILFLOW_CONFIG"); p != "" {
		return configFile{Path: p, Source: "env"}
	}
	if x := e.IO.Getenv("XDG_CONFIG_HOME"); x != "" && filepath.IsAbs(x) {
		return configFile{Path: filepath.Join(x, "mailflow", "config.yaml"), Source: "xdg"}
	}
	if h := e.IO.Getenv("HOME"); h != "" {
		return configFile{Path: filepath.Join(h, ".config", "mailflow", "config.yaml"), Source: "home"}
	}
	return configFile{Source: "home"}
}

// loadConfigFile reads the configuration file. A missing file is fine
// unless $MAILFLOW_CONFIG names it.
func (e *Env) loadConfigFile() (configFile, error) {
	cf := e.configPath()
	if cf.Path == "" {
		return cf, nil
	}
	if _, err := os.Stat(cf.Path); errors.Is(err, fs.ErrNotExist) && cf.Source != "env" {
		return cf, nil
	}
	flag := "configuration file"
	if cf.Source == "env" {
		flag = "$MAILFLOW_CONFIG"
	}
	data, err := readInput(e, flag, cf.Path, maxConfigFile)
	if err != nil {
		return cf, err
	}
	cf.Exists = true
	cf.values, err = parseConfigFile(cf.Path, data)
	return cf, err
}

// parseConfigFile reads the flat mapping of setting keys to values.
func parseConfigFile(name string, data []byte) (map[string]fileValue, error) {
	f := yamlx.File{Name: name, MaxBytes: maxConfigFile}
	root, err := f.Parse(data)
	if err != nil || root == nil {
		return nil, wrapInput(err)
	}
	keys := make([]string, len(settings))
	for i, s := range settings {
		keys[i] = s.Key
	}
	fields, err := f.Mapping(root, "the configuration", keys)
	if err != nil {
		return nil, wrapInput(err)
	}
	out := map[string]fileValue{}
	for _, kv := range fields {
		s := settings[slices.Index(keys, kv.Key.Value)]
		v := kv.Val
		var vals []string
		switch {
		case v.Kind == yaml.SequenceNode && s.list():
			entries, err := f.List(v, s.Key, 100)
			if err != nil {
				return nil, wrapInput(err)
			}
			for _, n := range entries {
				str, err := f.Scalar(n, s.Key)
				if err != nil {
					return nil, wrapInput(err)
				}
				vals = append(vals, str)
			}
		case v.Kind == yaml.ScalarNode && v.Tag != "!!null":
			vals = []string{v.Value}
		default:
			want := "a single value"
			if s.list() {
				want = "a value or a list of values"
			}
			return nil, Inputf("%s:%d:%d: %s: want %s, not %s", name, v.Line, v.Column, s.Key, want, yamlx.KindName(v))
		}
		out[s.Key] = fileValue{values: vals, node: v}
	}
	return out, nil
}

func wrapInput(err error) error {
	if err == nil {
		return nil
	}
	return &InputError{Err: err}
}

// applyConfig fills the flags the user did not give from the environment
// and the configuration file, and records where every setting came from.
// It runs once, in the root's pre-run, for every command.
func (e *Env) applyConfig(cmd *cobra.Command) error {
	for c := cmd; c != nil; c = c.Parent() {
		switch {
		case c.Annotations[noConfig] != "", c.Name() == "completion", c.Name() == "help", c.Name() == cobra.ShellCompRequestCmd:
			return nil
		}
	}
	cf, err := e.loadConfigFile()
	if err != nil {
		return err
	}
	e.config = &configState{file: cf, resolved: map[string]resolved{}}
	for _, s := range settings {
		fl := cmd.Flags().Lookup(s.Flag)
		applies := s.Commands == nil || slices.Contains(s.Commands, cmd.Name())
		if fl != nil && fl.Changed && applies {
			e.config.resolved[s.Key] = resolved{Values: flagValues(fl), Source: sourceFlag, Where: "--" + s.Flag}
			continue
		}
		r := e.fromDefaults(s, cf)
		e.config.resolved[s.Key] = r
		if r.Source == sourceDefault || fl == nil || !applies {
			continue
		}
		for _, v := range r.Values {
			if err := fl.Value.Set(v); err != nil {
				err = valueError(fl, v, err)
				if r.Source == sourceEnv {
					return Inputf("%s=%q: %v", r.Where, strings.Join(r.Values, " "), err)
				}
				n := cf.values[s.Key].node
				return Inputf("%s:%d:%d: %s: %v", cf.Path, n.Line, n.Column, s.Key, err)
			}
		}
	}
	return nil
}

// valueError words a value pflag refused the way a person reads it,
// rather than as strconv's message.
func valueError(fl *pflag.Flag, v string, err error) error {
	switch fl.Value.Type() {
	case "bool":
		return fmt.Errorf("want true or false, not %q", v)
	case "int":
		return fmt.Errorf("want a whole number, not %q", v)
	case "duration":
		return fmt.Errorf("want a duration such as 5s or 1m30s, not %q", v)
	}
	return err
}

// fromDefaults resolves a setting without its flag: environment, file,
// or nothing (the flag's default).
func (e *Env) fromDefaults(s setting, cf configFile) resolved {
	if v := strings.TrimSpace(e.IO.Getenv(s.env())); v != "" {
		vals := []string{v}
		if s.list() {
			vals = strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(s.Sep, r) })
		}
		return resolved{Values: vals, Source: sourceEnv, Where: "$" + s.env()}
	}
	if fv, ok := cf.values[s.Key]; ok {
		return resolved{Values: fv.values, Source: sourceFile, Where: yamlx.File{Name: cf.Path}.Where(fv.node)}
	}
	return resolved{Source: sourceDefault}
}

// flagValues returns a flag's values: a list flag's entries, or its value.
func flagValues(fl *pflag.Flag) []string {
	if sv, ok := fl.Value.(pflag.SliceValue); ok {
		return sv.GetSlice()
	}
	return []string{fl.Value.String()}
}

// setting returns the effective values of a setting by key, as commands
// without the setting's flag (serve's built-in modules) see it.
func (e *Env) setting(key string) []string {
	if e.config == nil {
		return nil
	}
	return e.config.resolved[key].Values
}

func init() {
	register(func(e *Env) *cobra.Command {
		cmd := &cobra.Command{
			Use:   "config",
			Short: "Show the settings in effect and where each comes from (flag, environment, file, default)",
			Long: `mailflow reads defaults for its global flags (--dns, --timeout, --format...)
and for flags repeated on many commands (--ca-file, --ehlo, --self, --zone,
--dnsbl-dns) from MAILFLOW_* environment variables and a YAML configuration
file, so they need not be typed on every command. A flag on the command line
wins over the environment, the environment over the file, and the file over
the flag's built-in default.

The file is $MAILFLOW_CONFIG, else $XDG_CONFIG_HOME/mailflow/config.yaml,
else ~/.config/mailflow/config.yaml. docs/config.md lists every setting.`,
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
		}
		show := &cobra.Command{
			Use:   "show",
			Short: "Print every setting's effective value and where it came from",
			Example: `  mailflow config show
  MAILFLOW_DNS=127.0.0.1:5353 mailflow config show --format json`,
			Args: cobra.NoArgs,
			RunE: runE(func(cmd *cobra.Command, args []string) error { return runConfigShow(cmd, e) }),
		}
		path := &cobra.Command{
			Use:         "path",
			Short:       "Print the path of the configuration file mailflow reads",
			Long:        "Print the path of the configuration file, whether or not it exists. It works even when the file has errors, so it can find a broken one.",
			Args:        cobra.NoArgs,
			Annotations: map[string]string{noConfig: "true"},
			RunE:        runE(func(cmd *cobra.Command, args []string) error { return runConfigPath(e) }),
		}
		cmd.AddCommand(show, path)
		return cmd
	})
}

// settingData is one setting in config show's JSON.
type settingData struct {
	Key      string   `json:"key"`
	Flag     string   `json:"flag"`
	Env      string   `json:"env"`
	Commands []string `json:"commands,omitempty"`
	Value    any      `json:"value,omitempty"`
	Source   string   `json:"source"`
	Where    string   `json:"where,omitempty"`
}

func runConfigShow(cmd *cobra.Command, e *Env) error {
	if err := e.RequireFormat("text", "json", "markdown"); err != nil {
		return err
	}
	root := cmd.Root()
	t := &report.Table{Header: []string{"Setting", "Value", "Source", "Where", "Applies to"}}
	var data []settingData
	for _, s := range settings {
		r := e.config.resolved[s.Key]
		vals := r.Values
		if r.Source == sourceDefault {
			vals = defaultValues(root, s)
		}
		d := settingData{Key: s.Key, Flag: "--" + s.Flag, Env: s.env(), Commands: s.Commands, Source: r.Source, Where: r.Where}
		switch {
		case s.list() && len(vals) > 0:
			d.Value = vals
		case !s.list() && len(vals) > 0 && vals[0] != "":
			d.Value = vals[0]
		}
		data = append(data, d)
		scope := "every command"
		if s.Commands != nil {
			scope = strings.Join(s.Commands, ", ")
		}
		shown := strings.Join(vals, " ")
		if shown == "" {
			shown = "(none)"
		}
		t.Rows = append(t.Rows, []string{s.Key, shown, r.Source, r.Where, scope})
	}
	cf := e.config.file
	state := "not found; the defaults apply"
	if cf.Exists {
		state = "read"
	}
	rep := &report.Report{
		Command:  "config show",
		Summary:  "configuration file " + orNone(cf.Path) + " (" + state + ")",
		Sections: []report.Section{{Title: "Settings (flag > environment > file > default)", Table: t}},
		Data: struct {
			File     configFile    `json:"file"`
			Settings []settingData `json:"settings"`
		}{cf, data},
	}
	return e.Render(rep)
}

// defaultValues is a setting's built-in default: the global flag's, or
// that of the first command with the flag.
func defaultValues(root *cobra.Command, s setting) []string {
	fl := root.PersistentFlags().Lookup(s.Flag)
	if s.Commands != nil {
		if c, _, err := root.Find([]string{s.Commands[0]}); err == nil {
			fl = c.Flags().Lookup(s.Flag)
		}
	}
	if fl == nil || fl.DefValue == "[]" || fl.DefValue == "" {
		return nil
	}
	return []string{fl.DefValue}
}

func orNone(s string) string {
	if s == "" {
		return "(none: no HOME)"
	}
	return s
}

func runConfigPath(e *Env) error {
	cf := e.configPath()
	if _, err := os.Stat(cf.Path); err == nil {
		cf.Exists = true
	}
	switch e.Format {
	case "json", "jsonl":
		return report.WriteJSONLine(e.IO.Out, cf)
	}
	if cf.Path == "" {
		return Inputf("no configuration file: neither MAILFLOW_CONFIG, XDG_CONFIG_HOME nor HOME is set")
	}
	_, err := e.IO.Out.Write([]byte(cf.Path + "\n"))
	return err
}
