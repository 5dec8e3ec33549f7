package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/singleflight"
)

// Defaults of Options.
const (
	DefaultMaxProbes    = 64
	DefaultMaxPerTarget = 2
	DefaultHistory      = 100
	// DefaultMargin is kept back from the scrape timeout so the answer
	// reaches Prometheus before it gives up, as the blackbox exporter does.
	DefaultMargin = 500 * time.Millisecond
)

// Options shape a server.
type Options struct {
	// MaxProbes bounds the probes running at once; default DefaultMaxProbes.
	MaxProbes int
	// MaxPerTarget bounds the probes of one target (domain, host or
	// address) running at once, across modules; default DefaultMaxPerTarget.
	MaxPerTarget int
	// History is how many recent probes the status page keeps; default
	// DefaultHistory.
	History int
	// Margin is taken off Prometheus' scrape timeout; default DefaultMargin.
	Margin time.Duration
	// Version is shown on the status page and in mailflow_exporter_build_info.
	Version string
	// Log receives one line per probe that could not run; nil discards.
	Log io.Writer
	// Load reads the configuration again, for Reload and POST /-/reload;
	// nil refuses both.
	Load func() (*Config, error)
}

// Server answers /probe, /metrics, /, /-/healthy and /-/reload. It is safe
// for concurrent use.
type Server struct {
	gen     atomic.Pointer[generation]
	seq     atomic.Uint64 // of generations
	reload  sync.Mutex    // one reload at a time
	o       Options
	mux     *http.ServeMux
	slots   chan struct{}
	targets *keyLimiter
	flight  singleflight.Group
	hist    *history
	logMu   sync.Mutex

	reg       *prometheus.Registry
	probes    *prometheus.CounterVec
	errs      *prometheus.CounterVec
	coalesced *prometheus.CounterVec
	inFlight  prometheus.Gauge
	durations *prometheus.HistogramVec
	reloadOK  prometheus.Gauge
	reloadAt  prometheus.Gauge
}

// generation is one configuration with its started modules. A reload
// replaces it; the modules of the old one are closed once the last probe
// that uses them ends, so a reload never cuts a probe short.
type generation struct {
	id  uint64
	cfg *Config

	mu      sync.Mutex
	refs    int  // probes and requests using it
	retired bool // replaced: close when refs reaches 0
}

// acquire returns the current generation, held until release.
func (s *Server) acquire() *generation {
	for {
		g := s.gen.Load()
		g.mu.Lock()
		if !g.retired {
			g.refs++
			g.mu.Unlock()
			return g
		}
		// Replaced between the load and the lock: take the new one.
		g.mu.Unlock()
	}
}

// hold adds a user to a generation already held by the caller.
func (g *generation) hold() {
	g.mu.Lock()
	g.refs++
	g.mu.Unlock()
}

func (g *generation) release() {
	g.mu.Lock()
	g.refs--
	last := g.retired && g.refs == 0
	g.mu.Unlock()
	if last {
		g.cfg.close()
	}
}

// retire marks a replaced generation and closes it if nothing uses it.
func (g *generation) retire() {
	g.mu.Lock()
	g.retired = true
	last := g.refs == 0
	g.mu.Unlock()
	if last {
		g.cfg.close()
	}
}

// Probe errors, the reason label of mailflow_exporter_probe_errors_total.
const (
	reasonBadRequest = "bad_request"
	reasonOverloaded = "overloaded"
	reasonInternal   = "internal"
)

// New starts the modules of cfg (their resolvers and limiters) and returns
// the server. Close releases them.
func New(cfg *Config, o Options) (*Server, error) {
	if o.MaxProbes <= 0 {
		o.MaxProbes = DefaultMaxProbes
	}
	if o.MaxPerTarget <= 0 {
		o.MaxPerTarget = DefaultMaxPerTarget
	}
	if o.History <= 0 {
		o.History = DefaultHistory
	}
	if o.Margin < 0 {
		o.Margin = 0
	} else if o.Margin == 0 {
		o.Margin = DefaultMargin
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	s := &Server{o: o, slots: make(chan struct{}, o.MaxProbes), targets: newKeyLimiter(o.MaxPerTarget), hist: newHistory(o.History)}
	g, err := s.start(cfg)
	if err != nil {
		return nil, err
	}
	s.gen.Store(g)
	s.metrics()
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("/probe", s.handleProbe)
	s.mux.Handle("/metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg}))
	s.mux.HandleFunc("/-/healthy", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "Healthy\n") })
	s.mux.HandleFunc("/-/reload", s.handleReload)
	s.mux.HandleFunc("/result", s.handleResult)
	s.mux.HandleFunc("/{$}", s.handleIndex)
	return s, nil
}

// start starts the modules of cfg as a new generation.
func (s *Server) start(cfg *Config) (*generation, error) {
	for i, m := range cfg.Modules {
		if err := m.start(); err != nil {
			(&Config{Modules: cfg.Modules[:i+1]}).close()
			if cfg.File == "" {
				return nil, fmt.Errorf("built-in module %s: %v", m.Name, err)
			}
			return nil, fmt.Errorf("%s: module %s: %v", m.Origin, m.Name, err)
		}
	}
	return &generation{id: s.seq.Add(1), cfg: cfg}, nil
}

// Reload reads the configuration again with Options.Load and, when it is
// good and its modules start, serves it from the next probe on; probes
// running on the old one finish on it. On any error the running
// configuration stays, and the error says why.
func (s *Server) Reload() error {
	s.reload.Lock()
	defer s.reload.Unlock()
	err := s.reloadLocked()
	if err != nil {
		s.reloadOK.Set(0)
		return err
	}
	s.reloadOK.Set(1)
	s.reloadAt.SetToCurrentTime()
	return nil
}

func (s *Server) reloadLocked() error {
	if s.o.Load == nil {
		return errors.New("this server has no configuration to read again")
	}
	cfg, err := s.o.Load()
	if err != nil {
		return err
	}
	g, err := s.start(cfg)
	if err != nil {
		return err
	}
	s.labels(cfg)
	s.gen.Swap(g).retire()
	return nil
}

// handleReload answers POST /-/reload, as Prometheus and the blackbox
// exporter do.
func (s *Server) handleReload(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost && r.Method != http.MethodPut {
		w.Header().Set("Allow", "POST, PUT")
		http.Error(w, "use POST to reload the configuration", http.StatusMethodNotAllowed)
		return
	}
	if err := s.Reload(); err != nil {
		s.logf("reload failed, the running configuration stays: %v", err)
		http.Error(w, "reload failed, the running configuration stays: "+err.Error(), http.StatusInternalServerError)
		return
	}
	g := s.acquire()
	defer g.release()
	fmt.Fprintf(w, "reloaded: %d modules\n", len(g.cfg.Modules))
}

// metrics registers the exporter's own metrics.
func (s *Server) metrics() {
	s.reg = prometheus.NewRegistry()
	s.probes = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mailflow_exporter_probes_total",
		Help: "Probes answered, by module and result (success or failure)."}, []string{"module", "result"})
	s.errs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mailflow_exporter_probe_errors_total",
		Help: "Probe requests that could not be run, by module (empty when unknown) and reason: bad_request, overloaded, internal."}, []string{"module", "reason"})
	s.coalesced = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mailflow_exporter_probes_coalesced_total",
		Help: "Probe requests answered with the result of an identical probe already running."}, []string{"module"})
	s.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{Name: "mailflow_exporter_probes_in_flight", Help: "Probes running now."})
	s.durations = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "mailflow_exporter_probe_duration_seconds",
		Help: "How long probes took, by module.", Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}, []string{"module"})
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "mailflow_exporter_build_info",
		Help: "Always 1; the version label is the mailflow release."}, []string{"version"})
	build.WithLabelValues(s.o.Version).Set(1)
	s.reloadOK = prometheus.NewGauge(prometheus.GaugeOpts{Name: "mailflow_exporter_config_last_reload_successful",
		Help: "1 when the last reload of the configuration succeeded (or none was asked for), 0 when it failed."})
	s.reloadAt = prometheus.NewGauge(prometheus.GaugeOpts{Name: "mailflow_exporter_config_last_reload_success_timestamp_seconds",
		Help: "When the configuration was last loaded successfully, in seconds since the Unix epoch."})
	s.reloadOK.Set(1)
	s.reloadAt.SetToCurrentTime()
	s.labels(s.gen.Load().cfg)
	s.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		s.probes, s.errs, s.coalesced, s.inFlight, s.durations, build, s.reloadOK, s.reloadAt)
}

// labels creates the series of cfg's modules, so a module that has not
// probed yet shows 0 rather than no series.
func (s *Server) labels(cfg *Config) {
	for _, m := range cfg.Modules {
		for _, res := range []string{"success", "failure"} {
			s.probes.WithLabelValues(m.Name, res)
		}
		s.durations.WithLabelValues(m.Name)
	}
}

// ServeHTTP routes a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close releases the modules' sockets, once the probes running end.
func (s *Server) Close() {
	s.reload.Lock()
	defer s.reload.Unlock()
	s.gen.Load().retire()
}

// requestError is a /probe request that cannot be run: the status and the
// reason, which is sent as plain text.
type requestError struct {
	status int
	reason string
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func badRequest(format string, a ...any) *requestError {
	return &requestError{status: http.StatusBadRequest, reason: reasonBadRequest, msg: fmt.Sprintf(format, a...)}
}

func (s *Server) handleProbe(w http.ResponseWriter, r *http.Request) {
	module := ""
	defer func() {
		// A bug in a capability must cost one answer, not the server.
		if v := recover(); v != nil {
			s.logf("probe %s: panic: %v\n%s", r.URL.RawQuery, v, debug.Stack())
			s.fail(w, module, &requestError{status: http.StatusInternalServerError, reason: reasonInternal, msg: "internal error; the exporter's log has the details"})
		}
	}()
	g := s.acquire()
	defer g.release()
	m, t, timeout, rerr := s.parseProbe(g.cfg, r)
	if m != nil {
		module = m.Name
	}
	if rerr != nil {
		s.fail(w, module, rerr)
		return
	}
	// The probe outlives a client that hangs up, so that an identical
	// request sharing it still gets its answer; the deadline bounds it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), timeout)
	defer cancel()
	out, rerr := s.run(ctx, g, m, t)
	if rerr != nil {
		s.fail(w, module, rerr)
		return
	}
	result := "failure"
	if out.Success() {
		result = "success"
	}
	s.probes.WithLabelValues(m.Name, result).Inc()
	reg := prometheus.NewRegistry()
	reg.MustRegister(probeCollector(out.samples))
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}).ServeHTTP(w, r)
}

// parseProbe validates a /probe request: the module, the target and the
// deadline. Only the configuration defines modules; the query names one.
func (s *Server) parseProbe(cfg *Config, r *http.Request) (*Module, Target, time.Duration, *requestError) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return nil, Target{}, 0, &requestError{status: http.StatusMethodNotAllowed, reason: reasonBadRequest, msg: "use GET"}
	}
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, Target{}, 0, badRequest("%v", err)
	}
	name, err := single(q, "module")
	if err != nil {
		return nil, Target{}, 0, badRequest("%v (modules: %s)", err, cfg.moduleNames())
	}
	m := cfg.Module(name)
	if m == nil {
		return nil, Target{}, 0, badRequest("unknown module %q (modules: %s)", name, cfg.moduleNames())
	}
	raw, err := single(q, "target")
	if err != nil {
		return m, Target{}, 0, badRequest("%v", err)
	}
	t, err := m.ParseTarget(raw)
	if err != nil {
		return m, Target{}, 0, badRequest("target: %v", err)
	}
	timeout := m.Timeout
	if h := r.Header.Get("X-Prometheus-Scrape-Timeout-Seconds"); h != "" {
		secs, err := strconv.ParseFloat(h, 64)
		// Below a millisecond the deadline would round to nothing.
		if err != nil || !(secs >= 0.001 && secs <= 1e6) {
			return m, t, 0, badRequest("X-Prometheus-Scrape-Timeout-Seconds %q: want a number of seconds from 0.001 to 1000000", h)
		}
		scrape := time.Duration(secs * float64(time.Second))
		if scrape > s.o.Margin {
			scrape -= s.o.Margin
		}
		timeout = min(timeout, scrape)
	}
	return m, t, timeout, nil
}

// parseQuery reads the query string, refusing what is not one.
func parseQuery(raw string) (url.Values, error) {
	if len(raw) > 4096 {
		return nil, errors.New("the query string is longer than 4096 bytes")
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, fmt.Errorf("the query string is not URL-encoded: %v", err)
	}
	return q, nil
}

// single returns the one value of a query parameter.
func single(q url.Values, key string) (string, error) {
	switch v := q[key]; len(v) {
	case 0:
		return "", fmt.Errorf("missing %s parameter", key)
	case 1:
		return v[0], nil
	}
	return "", fmt.Errorf("%s is given %d times; give it once", key, len(q[key]))
}

func (c *Config) moduleNames() string {
	names := make([]string, len(c.Modules))
	for i, m := range c.Modules {
		names[i] = m.Name
	}
	return strings.Join(names, ", ")
}

// run probes t with m, sharing the run with identical requests in flight
// and waiting for a free slot, globally and for the target, until ctx ends.
func (s *Server) run(ctx context.Context, g *generation, m *Module, t Target) (*Outcome, *requestError) {
	ran := false // set only in the request whose function runs the probe
	// The generation is in the key: after a reload a module of the same
	// name may probe differently.
	key := strconv.FormatUint(g.id, 10) + "\x00" + m.Name + "\x00" + t.Input
	ch := s.flight.DoChan(key, func() (any, error) {
		// The probe may outlive this request (see handleProbe), whose
		// hold on g lasts until the probe has started (its deadline plus
		// probeGrace at the least).
		g.hold()
		defer g.release()
		ran = true
		return s.probe(ctx, m, t)
	})
	// The probe ends at its deadline; the grace lets its answer, or the
	// reason it could not start, arrive on a loaded machine before this
	// request gives up. Only a probe that ignores its deadline runs into it.
	deadline, _ := ctx.Deadline()
	wait := time.NewTimer(time.Until(deadline) + probeGrace)
	defer wait.Stop()
	select {
	case res := <-ch:
		if res.Err != nil {
			var rerr *requestError
			if errors.As(res.Err, &rerr) {
				return nil, rerr
			}
			return nil, &requestError{status: http.StatusInternalServerError, reason: reasonInternal, msg: res.Err.Error()}
		}
		if !ran {
			s.coalesced.WithLabelValues(m.Name).Inc()
		}
		return res.Val.(*Outcome), nil
	case <-wait.C:
		return nil, overloaded(fmt.Sprintf("the probe did not end within %s of its deadline", probeGrace))
	}
}

// probeGrace is how long a request waits for its probe past the deadline.
const probeGrace = 2 * time.Second

func overloaded(msg string) *requestError {
	return &requestError{status: http.StatusServiceUnavailable, reason: reasonOverloaded, msg: msg}
}

// probe runs one probe once a slot is free. A panic is turned into an
// error, so that requests sharing the run are answered too.
func (s *Server) probe(ctx context.Context, m *Module, t Target) (out *Outcome, err error) {
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	case <-ctx.Done():
		return nil, overloaded(fmt.Sprintf("all %d probe slots stayed busy until the deadline", s.o.MaxProbes))
	}
	release, ok := s.targets.acquire(ctx, t.key)
	if !ok {
		return nil, overloaded(fmt.Sprintf("%d probes of %s stayed busy until the deadline", s.o.MaxPerTarget, t.key))
	}
	defer release()
	defer func() {
		if v := recover(); v != nil {
			s.logf("probe module=%s target=%q: panic: %v\n%s", m.Name, t.Input, v, debug.Stack())
			out, err = nil, &requestError{status: http.StatusInternalServerError, reason: reasonInternal, msg: "internal error; the exporter's log has the details"}
		}
	}()
	s.inFlight.Inc()
	defer s.inFlight.Dec()
	out = m.Probe(ctx, t)
	s.durations.WithLabelValues(m.Name).Observe(out.Duration.Seconds())
	s.hist.add(out)
	return out, nil
}

// fail answers a request that could not be run with its status and reason.
func (s *Server) fail(w http.ResponseWriter, module string, e *requestError) {
	s.errs.WithLabelValues(module, e.reason).Inc()
	if e.status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	if e.status != http.StatusBadRequest {
		s.logf("probe module=%s: %s", module, e.msg)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(e.status)
	fmt.Fprintln(w, e.msg)
}

func (s *Server) logf(format string, a ...any) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.o.Log, "mailflow serve: "+format+"\n", a...)
}

// keyLimiter bounds the holders of each key; keys without holders or
// waiters are forgotten, so memory follows the probes in flight.
type keyLimiter struct {
	mu    sync.Mutex
	per   int
	slots map[string]*keySlot
}

type keySlot struct {
	sem   chan struct{}
	users int
}

func newKeyLimiter(per int) *keyLimiter {
	return &keyLimiter{per: per, slots: map[string]*keySlot{}}
}

// acquire waits for a slot of key until ctx ends.
func (l *keyLimiter) acquire(ctx context.Context, key string) (release func(), ok bool) {
	l.mu.Lock()
	ks := l.slots[key]
	if ks == nil {
		ks = &keySlot{sem: make(chan struct{}, l.per)}
		l.slots[key] = ks
	}
	ks.users++
	l.mu.Unlock()
	done := func() {
		l.mu.Lock()
		if ks.users--; ks.users == 0 {
			delete(l.slots, key)
		}
		l.mu.Unlock()
	}
	select {
	case ks.sem <- struct{}{}:
		return func() { <-ks.sem; done() }, true
	case <-ctx.Done():
		done()
		return nil, false
	}
}

// history keeps the most recent probes for the status page.
type history struct {
	mu   sync.Mutex
	next uint64
	ring []*Outcome
}

func newHistory(n int) *history { return &history{next: 1, ring: make([]*Outcome, n)} }

func (h *history) add(o *Outcome) {
	h.mu.Lock()
	defer h.mu.Unlock()
	o.ID = h.next
	h.ring[h.next%uint64(len(h.ring))] = o
	h.next++
}

// get returns the probe with id while it is kept.
func (h *history) get(id uint64) *Outcome {
	h.mu.Lock()
	defer h.mu.Unlock()
	if o := h.ring[id%uint64(len(h.ring))]; o != nil && o.ID == id {
		return o
	}
	return nil
}

// recent returns the kept probes, newest first.
func (h *history) recent() []*Outcome {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []*Outcome
	for i := uint64(1); i <= uint64(len(h.ring)) && i < h.next; i++ {
		out = append(out, h.ring[(h.next-i)%uint64(len(h.ring))])
	}
	return out
}
