package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mailflowkit/mailflow/pkg/dnsbl"
	"github.com/mailflowkit/mailflow/pkg/lint"
	"github.com/mailflowkit/mailflow/pkg/smtpclient"
	"github.com/mailflowkit/mailflow/pkg/smtpprobe"
)

// Shell completion: cobra completes commands and flag names by itself; the
// values of flags are described here, in one table, so a new flag cannot
// be forgotten: TestEveryFlagCompletes fails for a flag that takes a value
// and has no entry. Each entry is one of
//
//	values   a fixed or catalog-derived set (formats, modes, list IDs, rules)
//	files    a file name, optionally with the usual extensions
//	free     free text (a host, a number): the shell offers nothing rather
//	         than the files in the current directory
//
// Keys are "COMMAND --flag", with "mailflow" for the global flags.

type flagCompletion struct {
	values func(cmd *cobra.Command, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective)
	files  []string // extensions; empty with file true means any file
	file   bool
}

func fixed(values ...cobra.Completion) flagCompletion {
	return flagCompletion{values: func(*cobra.Command, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}}
}

func files(ext ...string) flagCompletion { return flagCompletion{file: true, files: ext} }

var free = flagCompletion{}

var flagCompletions = map[string]flagCompletion{
	"mailflow --format": fixed("text\tfor people", "json\tone document", "jsonl\tone record a line (bulk runs)",
		"markdown\tfor tickets", "sarif\tlint only", "junit\tcheck only"),
	"mailflow --color":   fixed("auto\tonly on a terminal, never with NO_COLOR", "always", "never"),
	"mailflow --fail-on": fixed("error\tthe default", "warning", "info"),
	"mailflow --dns":     free,
	"mailflow --timeout": fixed("2s", "5s\tthe default", "10s", "30s"),
	"mailflow --retries": free,

	"mx --file":        files("txt", "list"),
	"mx --self":        free,
	"mx --compare":     free,
	"mx --concurrency": free,
	"mx --seed":        free,
	"mx --ca-file":     files("pem", "crt"),

	"smtp --port":               fixed("25\tSMTP", "465\tsubmission with implicit TLS", "587\tsubmission", "2525"),
	"smtp --ehlo":               free,
	"smtp --starttls":           fixed("auto\twhen offered", "require\tfail without", "never"),
	"smtp --protocol":           fixed("smtp", "lmtp"),
	"smtp --quit-after":         {values: quitAfterValues},
	"smtp --from":               free,
	"smtp --to":                 free,
	"smtp --header":             free,
	"smtp --body":               free,
	"smtp --data":               files("eml", "txt", "msg"),
	"smtp --dsn-notify":         fixed("NEVER", "SUCCESS", "FAILURE", "DELAY", "FAILURE,DELAY", "SUCCESS,FAILURE,DELAY"),
	"smtp --dsn-ret":            fixed("FULL", "HDRS"),
	"smtp --dsn-envid":          free,
	"smtp --size":               free,
	"smtp --auth":               fixed(smtpprobe.Mechanisms...),
	"smtp --user":               free,
	"smtp --password-file":      files(),
	"smtp --vrfy":               free,
	"smtp --expn":               free,
	"smtp --expect-ext":         fixed(ehloExtensions...),
	"smtp --expect-auth":        fixed(append(append([]string{}, smtpprobe.Mechanisms...), "GSSAPI", "NTLM", "SCRAM-SHA-1", "SCRAM-SHA-256")...),
	"smtp --expect-code":        {values: expectCodeValues},
	"smtp --expect-tls-version": fixed("1.2+\tTLS 1.2 or newer", "1.3\tTLS 1.3 exactly"),
	"smtp --expect-cert-days":   fixed("7", "14", "30"),
	"smtp --script":             files("yaml", "yml"),
	"smtp --concurrency":        free,
	"smtp --ca-file":            files("pem", "crt"),
	"serve --config":            files("yaml", "yml"),
	"serve --listen":            fixed("127.0.0.1:9926\tthe default", "[::1]:9926", ":9926\tevery interface"),
	"serve --history":           free,
	"serve --max-per-target":    free,
	"serve --max-probes":        free,
	"serve --timeout-margin":    fixed("500ms", "1s"),
	"smtp --session-timeout":    fixed("30s", "2m\tthe default", "5m"),
	"smtp --tls-name":           free,
	"smtp --save-chain":         files("pem"),
	"dnsbl --zone":              {values: zoneValues},
	"dnsbl --zones-file":        files("yaml", "yml"),
	"dnsbl --file":              files("txt", "list"),
	"dnsbl --rate":              fixed("20/s\tthe default", "10/s", "1/s", "600/m", "0\tno limit"),
	"dnsbl --concurrency":       free,
	"dnsbl --txt":               fixed("listed\tTXT only after a listing, the default", "always\tTXT beside every A", "never"),
	"ndr --workers":             free,
	"lint --compare":            free,
	"lint --port":               fixed("25", "587", "2525"),
	"lint --ca-file":            files("pem", "crt"),
	"lint --skip":               {values: lintRuleValues},
	"lint --max-input":          fixed("64\tMiB, the default", "128", "256", "512"),
	"ndr --max-input":           fixed("50\tMiB, the default", "100", "200", "500"),
	"check --spec":              files("yaml", "yml"),
	"check --port":              fixed("25", "2525"),
	"check --ca-file":           files("pem", "crt"),
	"check --ehlo":              free,
	"check --self":              free,
	"check --zone":              {values: zoneValues},
	"check --dnsbl-dns":         free,
	"check --concurrency":       free,
	"lab --dns-addr":            fixed("127.0.0.1:5300", "127.0.0.1:0\tany free port"),
	"lab --ca-out":              files("pem"),
	"lab --smtp-port":           fixed("2525", "0\tany free port"),
}

// ehloExtensions are the EHLO keywords worth asserting in practice
// (RFC 3207, 4954, 1870, 2920, 6152, 3030, 3461, 2034, 6531, 8689).
var ehloExtensions = []string{"STARTTLS", "AUTH", "SIZE", "PIPELINING", "8BITMIME", "CHUNKING", "BINARYMIME",
	"DSN", "ENHANCEDSTATUSCODES", "SMTPUTF8", "REQUIRETLS", "VRFY", "ETRN"}

// expectCodeSteps are the steps --expect-code accepts (smtpprobe.ParseExpectCode).
var expectCodeSteps = []string{"banner", "ehlo", "starttls", "auth", "vrfy", "expn", "mail", "rcpt", "data", "rset", "noop", "quit"}

// The TLS client flags are shared by every command that opens sessions
// (tlsflags.go), so their entries are too.
func init() {
	versions := fixed(smtpclient.TLSVersionNames()...)
	for _, c := range []string{"smtp", "check", "lint"} {
		flagCompletions[c+" --tls-cert"] = files("pem", "crt")
		flagCompletions[c+" --tls-key"] = files("pem", "key")
		flagCompletions[c+" --tls-min"] = versions
		flagCompletions[c+" --tls-max"] = versions
		flagCompletions[c+" --tls-ciphers"] = flagCompletion{values: cipherValues}
		flagCompletions[c+" --source"] = free
	}
	for _, c := range []string{"smtp", "check"} {
		flagCompletions[c+" --connect"] = free
	}
	for _, c := range []string{"mx", "check", "lab"} {
		flagCompletions[c+" --mta-sts-port"] = free
	}
}

// cipherValues completes the last suite of a comma-separated list.
func cipherValues(_ *cobra.Command, typed string) ([]cobra.Completion, cobra.ShellCompDirective) {
	done := ""
	if i := strings.LastIndexByte(typed, ','); i >= 0 {
		done = typed[:i+1]
	}
	var out []cobra.Completion
	for _, v := range smtpclient.CipherSuiteNames() {
		out = append(out, done+v)
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

func quitAfterValues(*cobra.Command, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return smtpprobe.PhaseNames(), cobra.ShellCompDirectiveNoFileComp
}

// expectCodeValues completes STEP= and then the usual code patterns.
func expectCodeValues(_ *cobra.Command, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	step, _, ok := strings.Cut(toComplete, "=")
	if !ok {
		out := make([]cobra.Completion, len(expectCodeSteps))
		for i, s := range expectCodeSteps {
			out[i] = s + "="
		}
		return out, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, c := range []string{"2xx", "250", "354", "4xx", "5xx", "550", "221"} {
		out = append(out, step+"="+c)
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// zoneValues completes catalog IDs, then the rule that may follow a colon
// (a catalog list's kind is fixed, so :domain and :allow are for others).
func zoneValues(_ *cobra.Command, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	cat := dnsbl.Catalog()
	if name, _, ok := strings.Cut(toComplete, ":"); ok {
		rules := []string{"any\tany answer counts", "exact=\tonly these codes", "bitmask=\tanswers with these bits set",
			"errors=\tcodes that mean refused"}
		if !slices.ContainsFunc(cat, func(l dnsbl.List) bool { return strings.EqualFold(name, l.ID) || strings.EqualFold(name, l.Zone) }) {
			rules = append(rules, "domain\ta domain list", "allow\tan allow-list")
		}
		out := make([]cobra.Completion, len(rules))
		for i, r := range rules {
			out[i] = name + ":" + r
		}
		return out, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, l := range cat {
		if l.Dead {
			continue
		}
		desc := l.Name
		if l.Default {
			desc += " (default)"
		}
		out = append(out, cobra.CompletionWithDesc(l.ID, desc))
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

func lintRuleValues(*cobra.Command, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	for _, r := range lint.Rules() {
		out = append(out, cobra.CompletionWithDesc(r.ID, r.Title))
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// registerCompletions attaches the table to the command tree. An entry for
// a flag that does not exist is a programming error, found by the tests.
func registerCompletions(root *cobra.Command) error {
	seen := map[string]bool{}
	var errs []string
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		visit := func(f *pflag.Flag) {
			key := completionKey(c, f)
			fc, ok := flagCompletions[key]
			if !ok {
				return
			}
			seen[key] = true
			switch {
			case fc.file:
				if err := c.MarkFlagFilename(f.Name, fc.files...); err != nil {
					errs = append(errs, err.Error())
				}
			case fc.values != nil:
				values := fc.values
				err := c.RegisterFlagCompletionFunc(f.Name, func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
					return values(cmd, toComplete)
				})
				if err != nil {
					errs = append(errs, err.Error())
				}
			case f.Value.Type() != "bool":
				if err := c.RegisterFlagCompletionFunc(f.Name, cobra.NoFileCompletions); err != nil {
					errs = append(errs, err.Error())
				}
			}
		}
		c.LocalNonPersistentFlags().VisitAll(visit)
		c.PersistentFlags().VisitAll(visit)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	for key := range flagCompletions {
		if !seen[key] {
			errs = append(errs, key+": no such flag")
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("flag completions: %s", strings.Join(errs, "; "))
	}
	return nil
}

// completionKey names a flag as the table does: the command path without
// the program name ("smtp --port"), "mailflow --format" for global flags.
func completionKey(c *cobra.Command, f *pflag.Flag) string {
	path := strings.TrimPrefix(c.CommandPath(), c.Root().Name()+" ")
	if !c.HasParent() {
		path = c.Name()
	}
	return path + " --" + f.Name
}

// strictCompletion adds cobra's completion command now rather than at
// Execute, and makes an unknown shell a usage error: cobra's own command has
// no Run, so it would answer "completion tcsh" with help and exit 0, and an
// install script with a typo would silently write a help page.
func strictCompletion(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	c, _, err := root.Find([]string{"completion"})
	if err != nil || c == root {
		return
	}
	c.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			return Usagef("completion: unknown shell %q (want bash, zsh, fish or powershell)", args[0])
		}
		return nil
	}
	c.RunE = func(cmd *cobra.Command, args []string) error { return cmd.Help() }
}
