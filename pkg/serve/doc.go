// Package serve is mailflow's Prometheus exporter: an HTTP server that runs
// one diagnosis per request, in the convention of the blackbox exporter.
// Prometheus asks /probe?module=NAME&target=T; the module names a command
// (mx, smtp, dnsbl or check) and the options it runs with, the target is
// the domain, host or address to diagnose. The answer is in the Prometheus
// text format: whether the probe succeeded, how long it took, how many
// findings of each check ID and severity it produced, and gauges per
// capability (MX targets and whether the route is usable, per MX host the
// certificate's expiry, STARTTLS, TLS version, AUTH before TLS, greeting
// delay and open relay, per block list whether an address is listed).
//
// Probes call the capability packages (pkg/mx, pkg/smtpprobe, pkg/dnsbl,
// pkg/check) directly. Each module keeps one resolver (whose cache keeps
// answers, block-list answers among them, for their TTL across probes) and
// one block-list rate limiter for the whole life of the server. The probe
// deadline comes from Prometheus' X-Prometheus-Scrape-Timeout-Seconds
// header minus a margin, capped by the module's timeout. Probes are bounded
// globally and per target, and identical probes in flight at the same time
// (two Prometheus servers of an HA pair) share one run.
//
// /metrics describes the exporter itself (Go runtime, probes by module and
// result, probe errors), / lists the modules and the recent probes with
// links to their findings as text, /-/healthy answers while the server
// runs, and POST /-/reload reads the configuration again.
//
// What it does not do: schedule probes (Prometheus does), take module
// definitions from a request (modules come only from the configuration),
// send a message (sessions never reach DATA), or authenticate to a server
// (modules have no credentials). Server.Reload (SIGHUP, POST /-/reload)
// swaps in a new configuration without cutting the probes running short.
package serve
