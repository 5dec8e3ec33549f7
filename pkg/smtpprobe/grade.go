package smtpprobe

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/smtpclient"
)

// Guideline is what the TLS grade measures against: the Dutch NCSC's IT
// Security Guidelines for TLS (v2.1, 2021), which internet.nl also applies
// to mail servers. Its four ratings map onto severities: good and
// sufficient are ok, phase out a warning, insufficient an error.
const Guideline = "NCSC-NL IT Security Guidelines for Transport Layer Security (TLS) v2.1"

// GuidelineURL is where the guideline is published.
const GuidelineURL = "https://english.ncsc.nl/publications/publications/2021/january/19/it-security-guidelines-for-transport-layer-security-2.1"

// Ratings of the guideline, from best to worst.
const (
	RatingGood         = "good"
	RatingSufficient   = "sufficient"
	RatingPhaseOut     = "phase_out"
	RatingInsufficient = "insufficient"
)

// NotProbed lists what the grade cannot see because Go's crypto/tls, which
// makes the handshakes, cannot offer it. A server accepting any of these is
// not graded down for it; openssl s_client or testssl.sh can check them.
var NotProbed = []string{
	"SSL 2.0 and 3.0",
	"finite-field Diffie-Hellman (DHE) suites and their group size",
	"NULL, EXPORT, anonymous and CCM cipher suites",
	"TLS compression and renegotiation",
}

// TLSGrade is one server's TLS configuration graded against Guideline.
type TLSGrade struct {
	Guideline string `json:"guideline"`
	// Rating is the worst rating of the parts: good, sufficient,
	// phase_out or insufficient; "" when nothing could be probed.
	Rating   string        `json:"rating,omitempty"`
	Versions []OfferResult `json:"versions"`
	Suites   []OfferResult `json:"weak_suites"`
	// KeyExchange is the group the main session agreed on (X25519...).
	KeyExchange string `json:"key_exchange,omitempty"`
	CertKey     string `json:"cert_key,omitempty"`
	// CertSignatures are the signature algorithms of the certificates the
	// server sent, leaf first.
	CertSignatures []string `json:"cert_signatures,omitempty"`
	NotProbed      []string `json:"not_probed"`
}

// OfferResult is one handshake of the grade: a TLS version, or a class of
// weak cipher suites offered alone.
type OfferResult struct {
	Name string `json:"name"`
	// Outcome is accepted, refused or unknown (the handshake could not be
	// tried: connection, STARTTLS or timeout trouble).
	Outcome string `json:"outcome"`
	// Suite is the suite the server chose when it accepted.
	Suite string `json:"suite,omitempty"`
	Error string `json:"error,omitempty"`
}

// Outcomes of an OfferResult.
const (
	Accepted = "accepted"
	Refused  = "refused"
	Unknown  = "unknown"
)

type offer struct {
	name     string
	min, max uint16
	suites   []uint16
}

var versionOffers = []offer{
	{"TLS 1.3", tls.VersionTLS13, tls.VersionTLS13, nil},
	{"TLS 1.2", tls.VersionTLS12, tls.VersionTLS12, nil},
	{"TLS 1.1", tls.VersionTLS11, tls.VersionTLS11, nil},
	{"TLS 1.0", tls.VersionTLS10, tls.VersionTLS10, nil},
}

// Weak suite classes, each offered alone at TLS 1.0 to 1.2.
const (
	classRSAKex = "RSA key exchange"
	class3DES   = "3DES"
	classRC4    = "RC4"
	classCBC    = "AES-CBC with ECDHE"
)

var suiteOffers = []offer{
	{classRSAKex, tls.VersionTLS10, tls.VersionTLS12, []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_AES_256_CBC_SHA, tls.TLS_RSA_WITH_AES_128_CBC_SHA256}},
	{class3DES, tls.VersionTLS10, tls.VersionTLS12, []uint16{tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA}},
	{classRC4, tls.VersionTLS10, tls.VersionTLS12, []uint16{tls.TLS_ECDHE_RSA_WITH_RC4_128_SHA, tls.TLS_ECDHE_ECDSA_WITH_RC4_128_SHA, tls.TLS_RSA_WITH_RC4_128_SHA}},
	{classCBC, tls.VersionTLS10, tls.VersionTLS12, []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
		tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256}},
}

// gradeParallel bounds the grade's sessions to one server: enough to
// finish in two rounds, few enough not to trip connection-rate limits.
const gradeParallel = 4

// grade opens one short session per TLS version and per weak suite class,
// each stopping after the handshake, and grades what the server accepted.
func (s *session) grade(ctx context.Context) {
	g := &TLSGrade{Guideline: Guideline, NotProbed: NotProbed}
	s.res.TLSGrade = g
	offers := append(append([]offer(nil), versionOffers...), suiteOffers...)
	results := make([]OfferResult, len(offers))
	var eg errgroup.Group
	eg.SetLimit(gradeParallel)
	for i, o := range offers {
		eg.Go(func() error {
			results[i] = s.tryOffer(ctx, o)
			return nil
		})
	}
	_ = eg.Wait() // tryOffer reports failures in its result
	g.Versions, g.Suites = results[:len(versionOffers)], results[len(versionOffers):]
	if t := s.res.TLS; t != nil {
		g.KeyExchange = t.keyExchange
		if len(t.certs) > 0 {
			g.CertKey = keyText(t.certs[0])
		}
		for _, c := range t.certs {
			g.CertSignatures = append(g.CertSignatures, c.SignatureAlgorithm.String())
		}
	}
	for _, f := range gradeFindings(g, s.res.TLS) {
		s.add(f)
	}
}

// gradeIfTLS grades a server that spoke TLS in the main session; one that
// did not cannot be graded, and says so unless it could not be reached.
func (s *session) gradeIfTLS(ctx context.Context) {
	switch {
	case s.res.TLS != nil:
		s.grade(ctx)
	case s.res.Connected && s.res.Banner != nil:
		s.add(report.Finding{ID: "tls.versions", Severity: report.Info, Incomplete: true,
			Message: "the TLS grade was not made: the session did not get to TLS"})
	}
}

// tryOffer runs one handshake of the grade.
func (s *session) tryOffer(ctx context.Context, o offer) OfferResult {
	res := OfferResult{Name: o.name, Outcome: Unknown}
	cfg := &tls.Config{ServerName: s.tlsName(), InsecureSkipVerify: true, MinVersion: o.min, MaxVersion: o.max, CipherSuites: o.suites}
	if s.o.Client.ClientCert != nil {
		cfg.Certificates = []tls.Certificate{*s.o.Client.ClientCert}
	}
	opts := s.clientOptions()
	opts.Transcript = smtpclient.NewTranscriptLimit(64)
	var c *smtpclient.Client
	var err error
	if s.o.TLSOnConnect {
		c, err = smtpclient.DialTLS(ctx, s.res.Addr(), cfg, opts)
	} else {
		c, err = smtpclient.Dial(ctx, s.res.Addr(), opts)
		if err == nil {
			_, err = c.Hello(ctx)
		}
		if err == nil && !c.HasExt("STARTTLS") {
			err = errors.New("STARTTLS not offered")
		}
		if err == nil {
			if err = c.StartTLS(ctx, cfg); err == nil {
				// A TLS 1.3 server may refuse only on the next read.
				_, err = c.Hello(ctx)
			}
		}
	}
	if c != nil {
		defer c.Close()
	}
	switch {
	case err == nil && c.TLS != nil:
		res.Outcome, res.Suite = Accepted, tls.CipherSuiteName(c.TLS.State.CipherSuite)
		_, _ = c.Quit(ctx)
	case err != nil && isHandshakeRefusal(err):
		res.Outcome, res.Error = Refused, shortErr(err)
	case err != nil:
		res.Error = shortErr(err)
	}
	return res
}

// isHandshakeRefusal tells a server that would not agree (an alert, or
// hanging up mid-handshake) from trouble that decides nothing.
func isHandshakeRefusal(err error) bool {
	if isTimeout(err) || isReplyErr(err) {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "TLS handshake") || strings.Contains(msg, "remote error: tls:")
}

func keyText(c *x509.Certificate) string {
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return c.PublicKeyAlgorithm.String()
}

// rate grades a certificate key: RSA of at least 3072 bits is good and of
// 2048 sufficient; ECDSA on P-256 or larger and Ed25519 are good.
func rateKey(c *x509.Certificate) string {
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		switch n := k.N.BitLen(); {
		case n >= 3072:
			return RatingGood
		case n >= 2048:
			return RatingSufficient
		}
		return RatingInsufficient
	case *ecdsa.PublicKey:
		if k.Curve.Params().BitSize >= 256 {
			return RatingGood
		}
		return RatingInsufficient
	case ed25519.PublicKey:
		return RatingGood
	}
	return RatingInsufficient
}

// weakSignature reports certificate signatures over MD5 or SHA-1.
func weakSignature(a x509.SignatureAlgorithm) bool {
	switch a {
	case x509.MD2WithRSA, x509.MD5WithRSA, x509.SHA1WithRSA, x509.DSAWithSHA1, x509.ECDSAWithSHA1:
		return true
	}
	return false
}

var ratingOrder = map[string]int{RatingGood: 0, RatingSufficient: 1, RatingPhaseOut: 2, RatingInsufficient: 3}

func severityOf(rating string) report.Severity {
	switch rating {
	case RatingPhaseOut:
		return report.Warning
	case RatingInsufficient:
		return report.Error
	}
	return report.OK
}

func ratingText(r string) string { return strings.ReplaceAll(r, "_", " ") }

func outcomeOf(list []OfferResult, name string) OfferResult {
	for _, o := range list {
		if o.Name == name {
			return o
		}
	}
	return OfferResult{Name: name, Outcome: Unknown}
}

// gradeFindings rates each part and sets g.Rating to the worst of them.
func gradeFindings(g *TLSGrade, t *TLSReport) []report.Finding {
	var out []report.Finding
	worst := ""
	add := func(id, rating string, incomplete bool, msg, fix string, ev ...string) {
		if rating != "" && (worst == "" || ratingOrder[rating] > ratingOrder[worst]) {
			worst = rating
		}
		sev := severityOf(rating)
		if incomplete {
			sev = report.Warning
		}
		if rating != "" {
			msg += " (" + ratingText(rating) + " per NCSC-NL)"
		}
		f := report.Finding{ID: id, Severity: sev, Incomplete: incomplete, Message: msg, Evidence: ev, Ref: "NCSC-NL TLS guidelines v2.1"}
		if sev != report.OK {
			f.Fix = fix
		}
		out = append(out, f)
	}
	var offered, unknown, ev []string
	for _, v := range g.Versions {
		ev = append(ev, v.Name+": "+v.Outcome+orEmpty(v.Error))
		switch v.Outcome {
		case Accepted:
			offered = append(offered, v.Name)
		case Unknown:
			unknown = append(unknown, v.Name)
		}
	}
	modern := slices.Contains(offered, "TLS 1.3") || slices.Contains(offered, "TLS 1.2")
	old := slices.Contains(offered, "TLS 1.1") || slices.Contains(offered, "TLS 1.0")
	versionFix := "enable TLS 1.3 and 1.2 and disable 1.1 and 1.0 (Postfix: smtpd_tls_protocols = >=TLSv1.2; Exchange: disable TLS 1.0/1.1 in SChannel)"
	switch {
	case len(offered) == 0 && len(unknown) > 0:
		add("tls.versions", "", true, "could not tell which TLS versions the server offers: "+strings.Join(unknown, ", ")+" could not be tried", "", ev...)
	case !modern && old:
		add("tls.versions", RatingInsufficient, false, "the server offers only "+strings.Join(offered, " and ")+": senders that require TLS 1.2 (most, since RFC 8996) fall back to plain text or give up", versionFix, ev...)
	case old:
		add("tls.versions", RatingPhaseOut, false, "the server still offers "+strings.Join(filter(offered, "TLS 1.1", "TLS 1.0"), " and ")+" besides "+strings.Join(filter(offered, "TLS 1.3", "TLS 1.2"), " and "), versionFix, ev...)
	case slices.Contains(offered, "TLS 1.3"):
		add("tls.versions", RatingGood, len(unknown) > 0, "the server offers "+strings.Join(offered, " and ")+" only", "", ev...)
	case modern:
		add("tls.versions", RatingSufficient, len(unknown) > 0, "the server offers TLS 1.2 but not 1.3", "enable TLS 1.3 as well", ev...)
	}
	suite := func(name string) OfferResult { return outcomeOf(g.Suites, name) }
	var suiteEv []string
	for _, o := range g.Suites {
		line := o.Name + ": " + o.Outcome
		if o.Suite != "" {
			line += " (" + o.Suite + ")"
		}
		suiteEv = append(suiteEv, line+orEmpty(o.Error))
	}
	cipherFix := "disable RC4 and 3DES suites; keep AES-GCM and ChaCha20-Poly1305 with ECDHE (Mozilla's intermediate list is a good start)"
	switch rc4, des := suite(classRC4), suite(class3DES); {
	case rc4.Outcome == Accepted:
		add("tls.ciphers", RatingInsufficient, false, "the server accepts RC4 ("+rc4.Suite+"), which is broken", cipherFix, suiteEv...)
	case des.Outcome == Accepted:
		add("tls.ciphers", RatingPhaseOut, false, "the server accepts 3DES ("+des.Suite+"), a 64-bit block cipher open to Sweet32", cipherFix, suiteEv...)
	case rc4.Outcome == Unknown || des.Outcome == Unknown:
		add("tls.ciphers", "", true, "could not tell whether the server accepts RC4 and 3DES", "", suiteEv...)
	case suite(classCBC).Outcome == Accepted:
		add("tls.ciphers", RatingSufficient, false, "the server refuses RC4 and 3DES; it still accepts AES-CBC suites", "prefer AES-GCM and ChaCha20-Poly1305; CBC suites are only sufficient", suiteEv...)
	default:
		add("tls.ciphers", RatingGood, false, "the server refuses RC4, 3DES and AES-CBC suites", "", suiteEv...)
	}
	switch kex := suite(classRSAKex); kex.Outcome {
	case Accepted:
		add("tls.key_exchange", RatingPhaseOut, false, "the server accepts RSA key exchange ("+kex.Suite+"): a session recorded today can be decrypted once the server's key leaks (no forward secrecy)",
			"allow only ECDHE (or DHE with 3072-bit groups) key exchange")
	case Unknown:
		add("tls.key_exchange", "", true, "could not tell whether the server accepts RSA key exchange", "")
	default:
		msg := "the server refuses RSA key exchange, so sessions have forward secrecy"
		if g.KeyExchange != "" {
			msg += "; the main session used " + g.KeyExchange
		}
		add("tls.key_exchange", RatingGood, false, msg, "")
	}
	if t != nil && len(t.certs) > 0 {
		leaf := t.certs[0]
		add("tls.cert_key", rateKey(leaf), false, "the certificate's key is "+keyText(leaf),
			"issue the certificate with an ECDSA P-256 key or an RSA key of at least 3072 bits (2048 is the minimum)")
		var weak []string
		// The root's own signature is never checked, so it does not count.
		for i, c := range t.certs {
			if weakSignature(c.SignatureAlgorithm) && !(i > 0 && c.IsCA && string(c.RawIssuer) == string(c.RawSubject)) {
				weak = append(weak, fmt.Sprintf("certificate %d (%s): %s", i, c.Subject.CommonName, c.SignatureAlgorithm))
			}
		}
		if len(weak) > 0 {
			add("tls.cert_signature", RatingInsufficient, false, "the chain has signatures over SHA-1 or MD5, which can be forged",
				"reissue the certificate (and intermediates) signed with SHA-256 or better", weak...)
		} else {
			add("tls.cert_signature", RatingGood, false, "the chain is signed with "+strings.Join(uniq(g.CertSignatures), ", "), "")
		}
	}
	g.Rating = worst
	return out
}

func orEmpty(e string) string {
	if e == "" {
		return ""
	}
	return " (" + e + ")"
}

func filter(list []string, keep ...string) []string {
	return slices.DeleteFunc(slices.Clone(list), func(l string) bool { return !slices.Contains(keep, l) })
}

func uniq(list []string) []string {
	var out []string
	for _, l := range list {
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}
