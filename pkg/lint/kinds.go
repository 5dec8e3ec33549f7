package lint

import (
	"strings"

	"github.com/mailflowkit/mailflow/pkg/internal/lazyre"
)

// kindFromType maps a .NET type name from CliXml (<T>, with or without the
// "Deserialized." prefix remoting adds) to a kind.
func kindFromType(t string) Kind {
	t = strings.TrimPrefix(t, "Deserialized.")
	if i := strings.LastIndex(t, "."); i >= 0 {
		t = t[i+1:]
	}
	switch t {
	case "SmtpSendConnectorConfig", "SendConnector":
		return KindSendConnector
	case "ReceiveConnector":
		return KindReceiveConnector
	case "AcceptedDomain":
		return KindAcceptedDomain
	case "TransportServer", "TransportService":
		return KindTransportService
	case "TenantInboundConnector", "InboundConnector":
		return KindInboundConnector
	case "TenantOutboundConnector", "OutboundConnector":
		return KindOutboundConnector
	case "ExchangeServer":
		return KindExchangeServer
	case "ADAcePresentationObject":
		return KindADPermission
	}
	return ""
}

// cmdletRE finds the Get- cmdlet in a pasted prompt line, which tells what
// the following Format-List objects are.
var cmdletRE = lazyre.New(`(?i)\bGet-(SendConnector|ReceiveConnector|AcceptedDomain|TransportService|TransportServer|InboundConnector|OutboundConnector|ExchangeServer|ADPermission)\b`)

func kindFromCmdlet(line string) Kind {
	m := cmdletRE().FindStringSubmatch(line)
	if m == nil {
		return ""
	}
	return kindFromType(m[1])
}

// kindFromProps recognizes an object by the properties only its cmdlet
// shows: Format-List and JSON carry no type names.
func kindFromProps(o *Object) Kind {
	has := func(names ...string) bool {
		for _, n := range names {
			if !o.Has(n) {
				return false
			}
		}
		return true
	}
	switch {
	case has("SmartHostAuthMechanism"), has("AddressSpaces", "SourceTransportServers"):
		return KindSendConnector
	case has("Bindings", "RemoteIPRanges"), has("Bindings", "PermissionGroups"):
		return KindReceiveConnector
	case has("DomainName", "DomainType"):
		return KindAcceptedDomain
	case has("ConnectorType", "SenderIPAddresses"), has("ConnectorType", "SenderDomains"), has("TlsSenderCertificateName"):
		return KindInboundConnector
	case has("ConnectorType", "UseMXRecord"), has("ConnectorType", "RecipientDomains"), has("RouteAllMessagesViaOnPremises"):
		return KindOutboundConnector
	case has("ExternalDNSServers"), has("ExternalDNSAdapterEnabled"), has("InternalDNSServers"):
		return KindTransportService
	case has("ExtendedRights", "User"):
		return KindADPermission
	case has("ServerRole", "Fqdn"), has("AdminDisplayVersion", "Fqdn"):
		return KindExchangeServer
	}
	return ""
}

// classify settles an object's kind from a type name or cmdlet hint, falling
// back to its properties; the properties win when the hint is plainly wrong
// (a pasted prompt line followed by output of another command).
func classify(o *Object, hint Kind) {
	byProps := kindFromProps(o)
	switch {
	case hint != "" && (byProps == "" || byProps == hint):
		o.Kind = hint
	default:
		o.Kind = byProps
	}
	o.compact()
}
