package lab

import "github.com/mailflowkit/mailflow/pkg/labsmtp"

func init() {
	hosts = append(hosts, Host{
		Name:   "mx.spamtrap.lab.test",
		IP:     "127.0.0.70",
		Fault:  "on combo.lab.test with two codes at once (127.0.0.4, 127.0.0.10) and its domain on dbl.lab.test",
		Policy: labsmtp.Config{LocalDomains: []string{"spamtrap.lab.test"}},
	})
}
