package lab

func init() {
	for _, s := range []Scenario{
		{Order: 300, Title: "dnsbl: an address listed with a bitmask code, matched like Exchange's BitmaskMatch", Exit: 1,
			Args: func(l *Lab) []string {
				return append(l.GlobalArgs(), "dnsbl", "127.0.0.14", "--zone", "bl.lab.test:bitmask=0.0.0.8")
			}},
		{Order: 301, Title: "dnsbl: the Exchange 2003 example mask 0.0.0.3 does not catch code 72", Exit: 0,
			Args: func(l *Lab) []string {
				return append(l.GlobalArgs(), "dnsbl", "127.0.0.14", "--zone", "bl.lab.test:bitmask=0.0.0.3")
			}},
		{Order: 302, Title: "dnsbl: a host name, its address on two sub-lists at once and its name on a domain list", Exit: 1,
			Args: func(l *Lab) []string {
				return append(l.GlobalArgs(), "dnsbl", "mx.spamtrap.lab.test",
					"--zone", "combo.lab.test:exact=127.0.0.4", "--zone", "dbl.lab.test:domain", "--zone", "wl.lab.test:allow")
			}},
		{Order: 303, Title: "dnsbl: a refusing list and a rewriting resolver are could-not-check, never clean", Exit: 3,
			Args: func(l *Lab) []string {
				return append(l.GlobalArgs(), "dnsbl", "mx1.good.lab.test",
					"--zone", "refuse.lab.test:errors=127.255.255.254", "--zone", "hijack.lab.test", "--zone", "wl.lab.test:allow")
			}},
		{Order: 304, Title: "dnsbl: selftest finds the list that lists everything", Exit: 1,
			Args: func(l *Lab) []string {
				return append(l.GlobalArgs(), "dnsbl", "--selftest", "127.0.0.14",
					"--zone", "bl.lab.test", "--zone", "dbl.lab.test:domain", "--zone", "dead.lab.test")
			}},
	} {
		Register(s)
	}
}
