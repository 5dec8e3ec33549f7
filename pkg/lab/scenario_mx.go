package lab

import (
	"os"
	"path/filepath"
	"strings"
)

// mxBulkDomains is the domain list of the bulk scenario: every mx fault
// of the lab, with the comment and blank-line syntax a list may use.
var mxBulkDomains = []string{
	"# every mx fault domain of the lab",
	"good.lab.test", "loop.lab.test", "nullmx.lab.test", "mixednull.lab.test", "cname.lab.test",
	"iplit.lab.test", "nodata.lab.test", "nxtarget.lab.test", "dup.lab.test", "oneip.lab.test",
	"", "shuffle.lab.test", "lowttl.lab.test", "implicit.lab.test", "noroute.lab.test",
	"alias.lab.test", "noptr.lab.test", "badptr.lab.test", "private.example.net", "missing.lab.test  # NXDOMAIN",
}

func init() {
	Register(Scenario{Order: 100, Title: "mx: a healthy domain (two preference groups, MTA-STS policy fetched and matched, TLS-RPT)", Exit: 0, Args: func(l *Lab) []string {
		return append(append(l.GlobalArgs(), "mx", "good.lab.test"), l.MTASTSArgs()...)
	}})
	Register(Scenario{Order: 101, Title: "mx: hosted tenants whose MX is our own hub (554 5.4.4 MxLoopback)", Exit: 1, Args: func(l *Lab) []string {
		return append(l.GlobalArgs(), "mx", "loop.lab.test", "--self", "hub.lab.test")
	}})
	Register(Scenario{Order: 102, Title: "mx: a null MX, alone and beside a real MX", Exit: 1, Args: func(l *Lab) []string {
		return append(l.GlobalArgs(), "mx", "nullmx.lab.test", "mixednull.lab.test")
	}})
	Register(Scenario{Order: 103, Title: "mx: an MX target that is an alias, with the DNS trace", Exit: 0, Args: func(l *Lab) []string {
		return append(l.GlobalArgs(), "mx", "cname.lab.test", "-v")
	}})
	Register(Scenario{Order: 104, Title: "mx: targets that are an IP literal, without address, or missing", Exit: 1, Args: func(l *Lab) []string {
		return append(l.GlobalArgs(), "mx", "iplit.lab.test", "nodata.lab.test", "nxtarget.lab.test")
	}})
	Register(Scenario{Order: 105, Title: "mx: a public domain whose MX targets have private addresses", Exit: 1, Args: func(l *Lab) []string {
		return append(l.GlobalArgs(), "mx", "private.example.net")
	}})
	Register(Scenario{Order: 106, Title: "mx: a bulk run over every mx fault domain", Exit: 1, Args: func(l *Lab) []string {
		// The list lives next to the lab CA, in the lab's own directory.
		list := filepath.Join(filepath.Dir(l.CAFile), "mx-domains.txt")
		if err := os.WriteFile(list, []byte(strings.Join(mxBulkDomains, "\n")+"\n"), 0o644); err != nil {
			list = os.DevNull
		}
		return append(append(l.GlobalArgs(), "mx", "--file", list, "--self", "hub.lab.test"), l.MTASTSArgs()...)
	}})
}
