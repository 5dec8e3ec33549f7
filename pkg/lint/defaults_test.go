package lint

import (
	"testing"

	"github.com/mailflowkit/mailflow/pkg/report"
)

// A server as setup leaves it (the five receive connectors of an Exchange
// 2016/2019 Mailbox server, an Internet send connector, an authoritative
// domain, and a subscribed Edge with its EdgeSync connectors) must not
// produce error or warning findings, in any export format.
func TestDefaultConfigurationHasNoErrors(t *testing.T) {
	files := []string{"testdata/defaults/ex2019-receive.txt", "testdata/defaults/ex2019-send.txt", "testdata/defaults/ex2019-domains.txt", "testdata/defaults/edge2019.txt"}
	c := loadAll(t, files...)
	kinds := map[Kind]int{}
	for _, o := range c.Objects {
		kinds[o.Kind]++
	}
	if kinds[KindReceiveConnector] != 6 || kinds[KindSendConnector] != 3 || kinds[KindAcceptedDomain] != 2 || kinds[KindTransportService] != 1 || kinds[KindExchangeServer] != 1 {
		t.Fatalf("objects read: %v", kinds)
	}
	variants := map[string]*Config{"format-list": c}
	for name, gen := range map[string]func([]*Object) string{"clixml": writeCliXML, "json": writeJSON} {
		cc, err := Load([]Source{{Name: "defaults." + name, Data: []byte(gen(c.Objects))}}, LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		variants[name] = cc
	}
	for name, cc := range variants {
		for _, f := range Check(cc, Options{}) {
			if f.Severity >= report.Warning {
				t.Errorf("%s: default configuration reported %s %s: %s", name, f.ID, f.Subject, f.Message)
			}
		}
	}
}

// The samples follow the structure of real exports (CSS-Exchange style
// CliXml, Windows PowerShell 5.1 ConvertTo-Json) of ordinary settings.
func TestSamplesHaveNoErrors(t *testing.T) {
	for _, f := range []string{"testdata/samples/receive-connectors.xml", "testdata/samples/accepted-domains.json"} {
		for _, fd := range Check(load(t, f), Options{}) {
			if fd.Severity == report.Error {
				t.Errorf("%s: %s %s", f, fd.ID, fd.Subject)
			}
		}
	}
}
