// Package lint reads Exchange transport configuration as administrators can
// export it and reports settings that break or endanger mail flow.
//
// Inputs are the Format-List text, Export-Clixml XML or ConvertTo-Json output
// of Get-SendConnector, Get-ReceiveConnector, Get-AcceptedDomain,
// Get-TransportService, Get-InboundConnector, Get-OutboundConnector,
// Get-ExchangeServer and Get-ADPermission, plus a small YAML file describing
// Exchange 2003 settings that have no cmdlets. Each parser turns its format
// into one normalized object model (Object, Prop) that remembers where every
// property came from, so findings can point at a file and line. Files are
// read as streams, and an object keeps only the properties rules read, so
// memory follows the configuration, not the size of the file. The rules run
// over all objects from all files at once, because most mail-flow breakage
// is a contradiction between two objects (a send connector and the receive
// connector it lands on, an accepted domain and a connector).
//
// The package does not talk to Exchange, does not execute PowerShell and
// changes nothing. Check uses no network; Live resolves smart hosts and MX
// records through the shared resolver and opens SMTP sessions to smart
// hosts with the shared SMTP client, and Check then judges what it saw.
// Credentials found in the input are never kept: only whether one was set.
package lint
