package cli

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mailflowkit/mailflow/pkg/internal/lazyre"
)

// Markdown reports start with the command line that produced them, so a
// ticket's reader can run it again. mailflow never takes a secret on the
// command line, but a wrapper script or a future flag might put one there,
// and a ticket is the last place it may end up: values of flags named like
// secrets and passwords in URLs are replaced before anything is shown.

// redacted replaces a secret on the shown command line.
const redacted = "***"

// secretWords mark flag names whose value is a secret. A flag naming a
// file (--password-file) holds a path, which the reader needs to rerun.
var secretWords = []string{"password", "passwd", "secret", "token", "apikey", "api-key", "api_key", "credential"}

func secretFlag(name string) bool {
	name = strings.ToLower(name)
	if strings.HasSuffix(name, "-file") {
		return false
	}
	for _, w := range secretWords {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

// urlPassword matches the password of user:password@ in a URL.
var urlPassword = lazyre.New(`(://[^/?#@:\s]*:)[^/?#@\s]*@`)

// redactArgs returns a copy of args (the command line after the program
// name) safe to show: the values of secret flags, given as --flag=value or
// --flag value, and passwords in URLs become ***. flags tells which flags
// take a value; a name it does not know is assumed to take one.
func redactArgs(flags *pflag.FlagSet, args []string) []string {
	out := make([]string, len(args))
	secretNext := false
	for i, a := range args {
		switch {
		case secretNext:
			out[i], secretNext = redacted, false
			continue
		case a == "--":
			copy(out[i:], args[i:])
			for j := i; j < len(out); j++ {
				out[j] = urlPassword().ReplaceAllString(out[j], "${1}"+redacted+"@")
			}
			return out
		}
		out[i] = urlPassword().ReplaceAllString(a, "${1}"+redacted+"@")
		name, value, inline := flagParts(a)
		if name == "" || !secretFlag(name) {
			continue
		}
		switch {
		case inline:
			out[i] = a[:len(a)-len(value)] + redacted
		case takesValue(flags, name):
			secretNext = true
		}
	}
	return out
}

// flagParts splits "--name=value" or "--name"; name is "" for arguments
// that are not long flags.
func flagParts(a string) (name, value string, inline bool) {
	if !strings.HasPrefix(a, "--") || len(a) == 2 {
		return "", "", false
	}
	name, value, inline = strings.Cut(a[2:], "=")
	return name, value, inline
}

func takesValue(flags *pflag.FlagSet, name string) bool {
	f := flags.Lookup(name)
	return f == nil || f.NoOptDefVal == ""
}

// shownArgs is the command line of this run for the Markdown heading.
func shownArgs(cmd *cobra.Command, args []string) []string {
	if cmd == nil {
		return nil
	}
	return redactArgs(cmd.Flags(), args)
}
