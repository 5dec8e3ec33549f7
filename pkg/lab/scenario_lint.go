package lab

import (
	_ "embed"
	"os"
	"path/filepath"
)

// labExport is what an administrator of the lab's organization would paste
// from the Exchange Management Shell: a hosted tenant domain relayed by MX
// back to our own hub (seed 000), a relay domain for the partner's
// subdomains typed one label short (*.example, a whole top-level domain:
// an open relay), and smart hosts that are missing, lack STARTTLS or
// present the wrong certificate.
//
//go:embed exports/lab-export.txt
var labExport []byte

func init() {
	Register(Scenario{Order: 500, Title: "lint: an Exchange export checked live against the lab (MX loop, smart hosts)", Exit: 1, Args: func(l *Lab) []string {
		// The export lives next to the lab CA, in the lab's own directory.
		file := filepath.Join(filepath.Dir(l.CAFile), "lab-export.txt")
		if err := os.WriteFile(file, labExport, 0o644); err != nil {
			file = os.DevNull
		}
		return append(append(l.GlobalArgs(), "lint", "--live"), append(l.SMTPArgs(), file)...)
	}})
}
