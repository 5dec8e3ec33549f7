package lint

import (
	"net/netip"
	"sort"
	"strings"
)

// server is what the export tells about one Exchange server: its names,
// addresses and which transport services run on it.
type server struct {
	name     string
	fqdns    map[string]bool
	ips      map[netip.Addr]bool
	frontend bool // runs the Front End Transport service (2013+ Mailbox/CAS)
}

// topology indexes servers by short name. Exports rarely hold every fact,
// so it collects names and addresses from whatever objects mention them.
type topology struct {
	servers map[string]*server
}

func shortName(s string) string {
	s = normDomain(s)
	if i := strings.Index(s, "."); i >= 0 {
		s = s[:i]
	}
	return s
}

func (t *topology) add(name string) *server {
	k := shortName(name)
	if k == "" {
		return nil
	}
	s := t.servers[k]
	if s == nil {
		s = &server{name: strings.TrimSpace(name), fqdns: map[string]bool{}, ips: map[netip.Addr]bool{}}
		if i := strings.Index(s.name, "."); i >= 0 {
			s.name = s.name[:i]
		}
		t.servers[k] = s
	}
	if strings.Contains(name, ".") {
		s.fqdns[normDomain(name)] = true
	}
	return s
}

func (s *server) addIP(text string) {
	if a, err := netip.ParseAddr(strings.Trim(strings.TrimSpace(text), "[]")); err == nil && !a.IsUnspecified() {
		s.ips[a.Unmap()] = true
	}
}

func buildTopology(c *Config) *topology {
	t := &topology{servers: map[string]*server{}}
	for _, o := range c.Objects {
		switch o.Kind {
		case KindExchangeServer, KindLegacyServer:
			s := t.add(o.Name())
			if s == nil {
				continue
			}
			if f := o.Str("Fqdn"); f != "" {
				s.fqdns[normDomain(f)] = true
			}
			for _, a := range o.List("addresses") {
				s.addIP(a)
			}
			if o.HasFlag("ServerRole", "FrontendTransport") || o.HasFlag("ServerRole", "ClientAccess") {
				s.frontend = true
			}
		case KindTransportService:
			t.add(o.Name())
		case KindSendConnector:
			for _, n := range o.List("SourceTransportServers") {
				t.add(n)
			}
		case KindReceiveConnector:
			s := t.add(o.Server())
			if s == nil {
				continue
			}
			// The connector Exchange names "Default SERVER" keeps the
			// server's own FQDN unless someone changed it.
			if f := o.Str("Fqdn"); f != "" && shortName(f) == shortName(s.name) {
				s.fqdns[normDomain(f)] = true
			}
			for _, b := range bindings(o) {
				s.addIP(b.addr.String())
			}
			if strings.EqualFold(o.Str("TransportRole"), "FrontendTransport") {
				s.frontend = true
			}
		case KindVirtualServer:
			s := t.add(o.Str("server"))
			if s != nil && !strings.EqualFold(o.Str("ip"), "All Unassigned") {
				s.addIP(o.Str("ip"))
			}
		}
	}
	return t
}

// get finds a server by short name or FQDN.
func (t *topology) get(name string) *server {
	return t.servers[shortName(name)]
}

// domains are the DNS domains the known server FQDNs live in.
func (t *topology) domains() map[string]bool {
	d := map[string]bool{}
	for _, s := range t.servers {
		for f := range s.fqdns {
			if i := strings.Index(f, "."); i >= 0 {
				d[f[i+1:]] = true
			}
		}
	}
	return d
}

// resolve says which known server a smart host or domain names, if any.
// A name matches a server by a known FQDN, or by its first label when its
// domain is one the organization's servers use (or no FQDN is known at all).
func (t *topology) resolve(h smartHost) *server {
	for _, s := range t.sorted() {
		if h.isIP() && s.ips[h.ip] {
			return s
		}
		if h.name != "" && s.fqdns[h.name] {
			return s
		}
	}
	if h.name == "" {
		return nil
	}
	s := t.get(h.name)
	if s == nil {
		return nil
	}
	if !strings.Contains(h.name, ".") {
		return s
	}
	doms := t.domains()
	if len(doms) == 0 || doms[h.name[strings.Index(h.name, ".")+1:]] {
		return s
	}
	return nil
}

// fqdnOwner finds a server whose FQDN is exactly name.
func (t *topology) fqdnOwner(name string) *server {
	name = normDomain(name)
	for _, s := range t.sorted() {
		if s.fqdns[name] {
			return s
		}
	}
	return nil
}

func (t *topology) sorted() []*server {
	var out []*server
	for _, s := range t.servers {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func (s *server) fqdnList() []string {
	var out []string
	for f := range s.fqdns {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}
