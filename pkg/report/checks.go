package report

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/mailflowkit/mailflow/pkg/internal/lazyre"
)

// Check is the fixed description of one check a command can report: the
// stable ID its findings carry, the standard behind it and the usual fix.
// Messages and evidence depend on what was found and live in the findings.
//
// Every capability package registers its checks once (in an init function)
// so the whole set is known in one place: the naming convention is enforced
// over it by a test, docs/checks.md is generated from it, and consumers
// (SARIF rules, Prometheus labels, check specs) can rely on an ID meaning
// one thing.
type Check struct {
	ID string
	// Passes is set for checks that report an ok finding when things are in
	// order. Their ID names what is checked ("smtp.starttls"), never the
	// failure, so "ok smtp.starttls" and "error smtp.starttls" both read right.
	Passes bool
	// Ref names the standard or document behind the check.
	Ref string
	// Fix is the usual remedy; a finding may carry a more specific one.
	Fix string
	// Replaces lists IDs this check carried in earlier releases, documented
	// as aliases so suppressions and CI rules can be migrated.
	Replaces []string
}

// Finding returns a finding of this check with its reference and, unless
// the finding is ok, its usual fix.
func (c Check) Finding(sev Severity, subject, message string, evidence ...string) Finding {
	f := Finding{ID: c.ID, Severity: sev, Subject: subject, Message: message, Evidence: evidence, Ref: c.Ref}
	if sev != OK {
		f.Fix = c.Fix
	}
	return f
}

var (
	registryMu sync.RWMutex
	registry   = map[string]Check{}
	// conflicts records IDs registered twice, reported by RegistryErrors
	// rather than a panic at start-up.
	conflicts []string
)

// Register adds checks to the registry. Capability packages call it from
// init; registering an ID twice is a programming error that RegistryErrors
// reports.
func Register(cs ...Check) {
	registryMu.Lock()
	defer registryMu.Unlock()
	for _, c := range cs {
		if _, dup := registry[c.ID]; dup {
			conflicts = append(conflicts, c.ID)
			continue
		}
		registry[c.ID] = c
	}
}

// LookupCheck returns the registered check with the given ID. Dynamic IDs
// built under a registered family ("check.spec.starttls" under
// "check.spec.*") resolve to the family.
func LookupCheck(id string) (Check, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	if c, ok := registry[id]; ok {
		return c, true
	}
	for i := strings.LastIndexByte(id, '.'); i > 0; i = strings.LastIndexByte(id[:i], '.') {
		if c, ok := registry[id[:i]+".*"]; ok {
			return c, true
		}
	}
	return Check{}, false
}

// Checks returns every registered check, sorted by ID.
func Checks() []Check {
	registryMu.RLock()
	defer registryMu.RUnlock()
	out := make([]Check, 0, len(registry))
	for _, c := range registry {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Check) int { return strings.Compare(a.ID, b.ID) })
	return out
}

var idForm = lazyre.New(`^[a-z][a-z0-9]*(\.[a-z][a-z0-9_]*)+(\.\*)?$`)

// failureWords are words that name a failure. A check that can pass must
// not carry one, or its ok findings read as problems.
var failureWords = []string{"missing", "failed", "failure", "fail", "untrusted", "expired", "expiring",
	"mismatch", "invalid", "bad", "broken", "error", "refused", "unresolved", "no", "not", "wrong"}

// ValidateCheck reports why c breaks the naming convention (docs/json.md):
// dot-separated lower snake_case segments led by the capability, and no
// failure word in the ID of a check that can pass.
func ValidateCheck(c Check) error {
	if !idForm().MatchString(c.ID) {
		return fmt.Errorf("check ID %q: want dot-separated lower snake_case segments such as mx.null_mx", c.ID)
	}
	if !c.Passes || strings.HasPrefix(c.ID, "check.spec.") {
		// Spec assertions are named for the expectation ("no_open_relay").
		return nil
	}
	for _, seg := range strings.Split(c.ID, ".")[1:] {
		for _, w := range strings.Split(seg, "_") {
			if slices.Contains(failureWords, w) {
				return fmt.Errorf("check ID %q can pass but names a failure (%q): name what is checked", c.ID, w)
			}
		}
	}
	return nil
}

// RegistryErrors checks every registered check against the convention and
// reports IDs registered twice.
func RegistryErrors() []error {
	var errs []error
	for _, c := range Checks() {
		if err := ValidateCheck(c); err != nil {
			errs = append(errs, err)
		}
	}
	registryMu.RLock()
	defer registryMu.RUnlock()
	for _, id := range conflicts {
		errs = append(errs, fmt.Errorf("check ID %q is registered twice", id))
	}
	return errs
}

// ValidateFinding reports a finding whose ID is not registered, or whose
// severity is ok although its check never passes.
func ValidateFinding(f Finding) error {
	c, ok := LookupCheck(f.ID)
	if !ok {
		return fmt.Errorf("finding ID %q is not registered", f.ID)
	}
	if f.Severity == OK && !c.Passes {
		return fmt.Errorf("finding %q is ok but its check is registered as never passing", f.ID)
	}
	return nil
}
