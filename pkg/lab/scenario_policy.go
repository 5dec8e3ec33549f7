package lab

func init() {
	mx := func(l *Lab, domains ...string) []string {
		return append(append(append(l.GlobalArgs(), "mx"), domains...), l.MTASTSArgs()...)
	}
	for _, s := range []Scenario{
		{Order: 107, Title: "mx: an enforced MTA-STS policy that names no MX of the domain: senders that honour it do not deliver", Exit: 1,
			Args: func(l *Lab) []string { return mx(l, "stsnomx.lab.test") }},
		{Order: 108, Title: "mx: an MTA-STS policy file newer than the id in its TXT record (cached senders keep the old policy)", Exit: 0,
			Args: func(l *Lab) []string { return mx(l, "stsid.lab.test") }},
		{Order: 109, Title: "mx: an MTA-STS policy in testing mode that does not cover the MX: reported, delivered", Exit: 0,
			Args: func(l *Lab) []string { return mx(l, "ststesting.lab.test") }},
		{Order: 110, Title: "mx: DNSSEC per answer on the route: a validated domain and one whose signatures fail (bogus)", Exit: 1,
			Args: func(l *Lab) []string { return mx(l, "secure.lab.test", "bogus.lab.test") }},
		{Order: 605, Title: "check: an enforced MTA-STS policy whose MX presents a certificate for another name", Exit: 1,
			Args: func(l *Lab) []string { return checkArgs(l, "stsbadtls.lab.test") }},
		{Order: 606, Title: "check: DMARC and SPF in depth: a subdomain inheriting sp=none, an unauthorized report address, SPF over 10 lookups through its includes", Exit: 1,
			Args: func(l *Lab) []string { return checkArgs(l, "depth.test", "sub.depth.test") }},
	} {
		Register(s)
	}
}
