package cli

import (
	"github.com/spf13/pflag"

	"github.com/mailflowkit/mailflow/pkg/mtasts"
)

// addMTASTSFlags adds the flags of the MTA-STS policy fetch that mx and
// check share.
func addMTASTSFlags(f *pflag.FlagSet, fetch *bool, port *int) {
	f.BoolVar(fetch, "mta-sts-fetch", true, "fetch and validate the MTA-STS policy over HTTPS when the domain publishes an _mta-sts record")
	f.IntVar(port, "mta-sts-port", 443, "PORT of the MTA-STS policy host (443; another only for test labs)")
}

// mtastsOptions builds the policy fetch from the flags. The fetch as a
// whole (address lookup, connection, TLS, HTTP) gets twice --timeout.
func mtastsOptions(e *Env, port int, caFile string) (*mtasts.FetchOptions, error) {
	o := &mtasts.FetchOptions{Port: port, Timeout: 2 * e.Timeout}
	if caFile != "" {
		pool, err := certPool(e, "--ca-file", caFile)
		if err != nil {
			return nil, err
		}
		o.RootCAs = pool
	}
	return o, nil
}
