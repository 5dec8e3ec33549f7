package lab

// mxLoopbackNDR is the Exchange hosting-mode loop the demo explains: the
// bounce a tenant gets when its MX points back at the hub, the fault the mx
// scenarios show from the DNS side.
const mxLoopbackNDR = "#554 5.4.4 SMTPSEND.DNS.MxLoopback; DNS records for this domain are configured in a loop ##"

func init() {
	// ndr reads no network, so unlike the other scenarios it takes none of
	// the lab's DNS or SMTP arguments. A bounce explained is not a failure
	// of the tool: exit 0.
	Register(Scenario{Order: 400, Title: "ndr: explain an Exchange MxLoopback non-delivery report", Exit: 0, Args: func(*Lab) []string {
		return []string{"ndr", mxLoopbackNDR}
	}})
}
