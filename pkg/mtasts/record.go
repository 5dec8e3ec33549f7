package mtasts

import (
	"fmt"

	"github.com/mailflowkit/mailflow/pkg/internal/lazyre"
	"github.com/mailflowkit/mailflow/pkg/internal/tagrec"
)

// Record is the TXT record at _mta-sts.<domain> (RFC 8461 §3.1).
type Record struct {
	// ID changes whenever the policy changes; senders refetch the policy
	// when it differs from the one they cached.
	ID string `json:"id"`
	// Extensions are further name=value fields, which senders ignore.
	Extensions []string `json:"extensions,omitempty"`
}

const recordVersion = "v=STSv1"

var (
	recordID = lazyre.New(`^[A-Za-z0-9]{1,32}$`)
	extValue = lazyre.New(`^[\x21-\x3a\x3c\x3e-\x7e]+$`)
)

// IsRecord reports whether a TXT string is an MTA-STS record: one that
// starts with "v=STSv1" followed by the end, a semicolon or a blank.
// Senders discard every other TXT record at the name (RFC 8461 §3.1).
func IsRecord(txt string) bool { return tagrec.HasVersion(txt, recordVersion) }

// ParseRecord parses an MTA-STS TXT record strictly: "v=STSv1" first, then
// exactly one id of 1 to 32 letters and digits, and extension fields.
func ParseRecord(txt string) (*Record, error) {
	fields, err := tagrec.Split(txt, recordVersion)
	if err != nil {
		return nil, err
	}
	r := &Record{}
	for _, f := range fields {
		switch {
		case f.Name == "id":
			if r.ID != "" {
				return nil, fmt.Errorf("id appears twice")
			}
			if !recordID().MatchString(f.Value) {
				return nil, fmt.Errorf("id=%q is not 1 to 32 letters and digits", clip(f.Value))
			}
			r.ID = f.Value
		case !tagrec.ExtName().MatchString(f.Name) || !extValue().MatchString(f.Value):
			return nil, fmt.Errorf("field %q is not a valid extension (name=value without blanks, = or ;)", clip(f.Name+"="+f.Value))
		default:
			r.Extensions = append(r.Extensions, f.Name+"="+f.Value)
		}
	}
	if r.ID == "" {
		return nil, fmt.Errorf("the record has no id= field, so senders cannot tell when the policy changed")
	}
	return r, nil
}
