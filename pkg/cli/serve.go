package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/mailflowkit/mailflow/pkg/serve"
)

// DefaultListen is where serve listens unless told otherwise: loopback,
// so that a probe service is never exposed by accident.
const DefaultListen = "127.0.0.1:9926"

type serveOptions struct {
	listen       string
	config       string
	maxProbes    int
	maxPerTarget int
	history      int
	margin       time.Duration
}

func init() {
	register(func(e *Env) *cobra.Command {
		o := &serveOptions{}
		cmd := &cobra.Command{
			Use:   "serve",
			Short: "Run a Prometheus exporter that probes mail flow: /probe?module=NAME&target=T",
			Long: `Serve mail-flow probes to Prometheus, the way the blackbox exporter does:
Prometheus schedules, shards and stores; mailflow answers
/probe?module=NAME&target=TARGET with the diagnosis of one target as metrics
(mailflow_probe_success, mailflow_findings by check ID and severity, MX,
SMTP, TLS and block-list gauges). /metrics describes the exporter itself, /
lists the modules and recent probes with their findings, /-/healthy answers
while it runs. docs/prometheus.md has the scrape configuration, alert rules
and a dashboard.

A module is a command (mx, smtp, dnsbl or check) and its options. Without
--config there is one module per command, named after it, with the
command's defaults, the global flags given to serve (--dns, --timeout...)
and the defaults of mailflow config. --config FILE defines modules in YAML
(docs/serve.md), for example an smtp module for port 587 that requires
STARTTLS, or a check module with its own block lists and DNS server.

It listens on loopback unless --listen says otherwise, takes modules only
from its configuration (never from a request), validates every target for
its module, bounds the probes running at once globally and per target, and
never sends a message. Block-list answers are cached for their TTL, so
frequent scrapes do not multiply queries to the lists.

A bad configuration exits 2 naming the file, line and key; a bad /probe
request is answered 400 with the reason. SIGHUP or POST /-/reload reads
--config again: a good file is served from the next probe on (probes
running finish on the old one), a bad one is logged and the running
configuration stays (mailflow_exporter_config_last_reload_successful 0).`,
			Example: `  mailflow serve
  mailflow --dns 127.0.0.1:5353 serve --listen 127.0.0.1:9926
  mailflow serve --config /etc/mailflow/serve.yaml --listen :9926
  curl 'http://127.0.0.1:9926/probe?module=check&target=example.org'`,
			Args: cobra.NoArgs,
			RunE: runE(func(cmd *cobra.Command, args []string) error { return runServe(cmd.Context(), e, o) }),
		}
		f := cmd.Flags()
		f.StringVar(&o.listen, "listen", DefaultListen, "ADDR:PORT to listen on (:PORT listens on every interface)")
		f.StringVar(&o.config, "config", "", "YAML FILE defining the probe modules (default: one module per command)")
		f.IntVar(&o.maxProbes, "max-probes", serve.DefaultMaxProbes, "probes running at once, all targets together (1-10000)")
		f.IntVar(&o.maxPerTarget, "max-per-target", serve.DefaultMaxPerTarget, "probes of one domain, host or address running at once (1-100)")
		f.IntVar(&o.history, "history", serve.DefaultHistory, "recent probes kept for the status page (1-10000)")
		f.DurationVar(&o.margin, "timeout-margin", serve.DefaultMargin, "time kept back from Prometheus' scrape timeout for the answer to arrive")
		return cmd
	})
}

func runServe(ctx context.Context, e *Env, o *serveOptions) error {
	err := firstErr(inRange("--max-probes", o.maxProbes, 1, 10000), inRange("--max-per-target", o.maxPerTarget, 1, 100),
		inRange("--history", o.history, 1, 10000))
	if err != nil {
		return err
	}
	if o.margin < 0 || o.margin > time.Minute {
		return Usagef("--timeout-margin must be between 0s and 1m, got %s", o.margin)
	}
	if _, _, err := net.SplitHostPort(o.listen); err != nil {
		return Usagef("--listen %q: want ADDR:PORT, such as 127.0.0.1:9926", o.listen)
	}
	cfg, err := serveConfig(e, o)
	if err != nil {
		return err
	}
	srv, err := serve.New(cfg, serve.Options{MaxProbes: o.maxProbes, MaxPerTarget: o.maxPerTarget, History: o.history,
		Margin: o.margin, Version: Version(), Log: e.IO.ErrOut, Load: func() (*serve.Config, error) { return serveConfig(e, o) }})
	if err != nil {
		return &InputError{Err: err}
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return Inputf("--listen %s: %v", o.listen, err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		WriteTimeout: serve.MaxTimeout + time.Minute, MaxHeaderBytes: 16 << 10}
	fmt.Fprintf(e.IO.ErrOut, "mailflow: serving %d modules on http://%s/ (probe with /probe?module=NAME&target=TARGET)\n", len(cfg.Modules), ln.Addr())
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	for stopping := false; !stopping; {
		select {
		case err := <-done:
			return err
		case <-hup:
			if err := srv.Reload(); err != nil {
				fmt.Fprintf(e.IO.ErrOut, "mailflow: reload failed, the running configuration stays: %v\n", err)
			} else {
				fmt.Fprintln(e.IO.ErrOut, "mailflow: configuration reloaded")
			}
		case <-ctx.Done():
			stopping = true
		}
	}
	// Probes in flight get a moment to answer; Prometheus retries the rest.
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shut); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	fmt.Fprintln(e.IO.ErrOut, "mailflow: serve stopped")
	return nil
}

// serveConfig loads --config, or builds one module per command; both start
// from the global flags and the configured defaults.
func serveConfig(e *Env, o *serveOptions) (*serve.Config, error) {
	d := serve.Defaults{DNS: e.DNS, TCP: e.TCP, Timeout: e.Timeout, Retries: e.Retries, FailOn: e.failOn(),
		CAFiles: e.setting("ca_file"), Self: e.setting("self"), Zones: e.setting("zone")}
	if v := e.setting("ehlo"); len(v) > 0 {
		d.EHLO = v[0]
	}
	if v := e.setting("dnsbl_dns"); len(v) > 0 {
		d.DNSBLDNS = v[0]
	}
	if o.config == "" {
		cfg, err := serve.BuiltinConfig(d)
		if err != nil {
			return nil, Inputf("defaults for the built-in modules: %v", err)
		}
		return cfg, nil
	}
	data, err := readInput(e, "--config", o.config, serve.MaxConfigBytes)
	if err != nil {
		return nil, err
	}
	cfg, err := serve.LoadConfig(o.config, data, d)
	if err != nil {
		return nil, &InputError{Err: err}
	}
	return cfg, nil
}
