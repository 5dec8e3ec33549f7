package lab

import "github.com/mailflowkit/mailflow/pkg/labsmtp"

// mxDomains are the lab domains of mx.zone whose targets accept mail.
var mxDomains = []string{"nxtarget.lab.test", "dup.lab.test", "oneip.lab.test", "shuffle.lab.test",
	"lowttl.lab.test", "mixednull.lab.test", "implicit.lab.test", "noptr.lab.test", "badptr.lab.test"}

func init() {
	hosts = append(hosts,
		Host{Name: "mx-a.mx.lab.test", IP: "127.0.0.30", Fault: "none: the working target of several mx fault domains",
			Policy: labsmtp.Config{LocalDomains: mxDomains}},
		Host{Name: "implicit.lab.test", IP: "127.0.0.31", Fault: "a domain without MX records: receives mail at its own address (implicit MX)",
			Policy: labsmtp.Config{LocalDomains: mxDomains}},
		Host{Name: "mx-noptr.mx.lab.test", IP: "127.0.0.32", Fault: "no reverse DNS (PTR) for its address", NoPTR: true,
			Policy: labsmtp.Config{LocalDomains: mxDomains}},
		Host{Name: "mx-badptr.mx.lab.test", IP: "127.0.0.33", Fault: "its PTR names gone.mx.lab.test, which does not resolve back", NoPTR: true,
			Policy: labsmtp.Config{LocalDomains: mxDomains}},
		Host{Name: "mx-c.mx.lab.test", IP: "127.0.0.34", Fault: "none: shares preference 10 with mx-a for shuffle.lab.test",
			Policy: labsmtp.Config{LocalDomains: mxDomains}},
	)
}
