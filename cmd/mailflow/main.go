// Command mailflow diagnoses mail flow: MX routing, SMTP sessions, block
// lists, non-delivery reports and Exchange connector configuration.
package main

import (
	"os"

	"github.com/mailflowkit/mailflow/pkg/cli"
)

func main() { os.Exit(cli.Main()) }
