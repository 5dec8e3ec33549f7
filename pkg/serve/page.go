package serve

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/mailflowkit/mailflow/pkg/report"
)

// indexPage is the status page. html/template escapes every value, targets
// and options included, for the context it lands in.
var indexPage = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>mailflow serve</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.2em .8em;text-align:left;vertical-align:top}.failure{color:#b00}.success{color:#070}code{font-size:90%}</style>
</head>
<body>
<h1>mailflow serve</h1>
<p>mailflow {{.Version}}: a Prometheus exporter for mail flow. Probe with <code>/probe?module=NAME&amp;target=TARGET</code>;
the exporter's own metrics are at <a href="metrics">/metrics</a>.{{if .File}} Modules from <code>{{.File}}</code>.{{end}}</p>
<h2>Modules</h2>
<table>
<tr><th>Module</th><th>Command</th><th>Timeout</th><th>Fails on</th><th>Options</th><th>Defined at</th></tr>
{{range .Modules}}<tr><td>{{.Name}}</td><td>{{.Command}}</td><td>{{.Timeout}}</td><td>{{.FailOn}}</td><td>{{range .Options}}<code>{{.}}</code> {{end}}</td><td>{{.Origin}}</td></tr>
{{end}}</table>
<h2>Recent probes</h2>
{{if .Probes}}<table>
<tr><th>Started (UTC)</th><th>Module</th><th>Target</th><th>Result</th><th>Duration</th><th>Findings</th></tr>
{{range .Probes}}<tr><td>{{.Started}}</td><td>{{.Module}}</td><td>{{.Target}}</td><td class="{{.Result}}">{{.Result}}</td><td>{{.Duration}}</td><td><a href="{{.Link}}">{{.Counts}}</a></td></tr>
{{end}}</table>{{else}}<p>No probes yet.</p>{{end}}
</body>
</html>
`))

type pageProbe struct {
	Started, Module, Target, Result, Duration, Counts, Link string
}

func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	g := s.acquire()
	defer g.release()
	data := struct {
		Version, File string
		Modules       []*Module
		Probes        []pageProbe
	}{Version: s.o.Version, File: g.cfg.File, Modules: g.cfg.Modules}
	for _, o := range s.hist.recent() {
		result := "failure"
		if o.Success() {
			result = "success"
		}
		data.Probes = append(data.Probes, pageProbe{
			Started: o.Started.UTC().Format(time.DateTime), Module: o.Module.Name, Target: o.Target, Result: result,
			Duration: o.Duration.Round(time.Millisecond).String(), Counts: report.CountText(o.Findings),
			Link: "result?" + url.Values{"id": {strconv.FormatUint(o.ID, 10)}}.Encode(),
		})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := indexPage.Execute(w, data); err != nil {
		s.logf("status page: %v", err)
	}
}

// handleResult shows a recent probe's report as plain text, rendered like
// the command's text output (verbose=1 adds passed checks and details).
func (s *Server) handleResult(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseUint(r.URL.Query().Get("id"), 10, 64)
	if err != nil {
		http.Error(w, "want ?id=N, the number of a recent probe", http.StatusBadRequest)
		return
	}
	o := s.hist.get(id)
	if o == nil {
		http.Error(w, "probe "+strconv.FormatUint(id, 10)+" is not among the recent probes kept", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	opts := report.Options{Verbose: r.URL.Query().Get("verbose") == "1", Version: s.o.Version, ExitCode: o.Exit}
	if err := report.WriteText(w, o.Report, opts); err != nil {
		s.logf("result %d: %v", id, err)
	}
}
