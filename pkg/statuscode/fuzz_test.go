package statuscode

import (
	"strings"
	"testing"
)

var fuzzSeeds = []string{
	seed000NDR,
	"550 5.1.1 RESOLVER.ADR.RecipNotFound; not found",
	"554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException.MapiExceptionShutoffQuotaExceeded",
	"421-4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred - yahoo",
	"550-5.7.26 Unauthenticated email is not accepted due to domain's DMARC policy - gsmtp",
	"queue.expired 10.1.1.1 5.4.4. 2.0.0",
	"",
	"SMTPSEND.",
	"RESOLVER.:.:",
}

func FuzzFindTokens(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		toks := FindTokens(text)
		if len(toks) > maxTokens {
			t.Fatalf("%d tokens, cap is %d", len(toks), maxTokens)
		}
		seen := map[string]bool{}
		for _, tok := range toks {
			if !strings.Contains(text, tok) {
				t.Fatalf("token %q is not in the text", tok)
			}
			if seen[strings.ToLower(tok)] {
				t.Fatalf("token %q returned twice", tok)
			}
			seen[strings.ToLower(tok)] = true
		}
	})
}

func FuzzParseEnhanced(f *testing.F) {
	for _, s := range []string{"5.4.4", "2.0.0", "4.7.650", "5.1.10", "5.04.4", "6.1.1", "5.1", "5.1.1.", " 5.1.1", "5.1.1234"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseEnhanced(s)
		if err != nil {
			return
		}
		again, err := ParseEnhanced(e.String())
		if err != nil || again != e {
			t.Fatalf("%q parsed to %v, which does not round-trip: %v, %v", s, e, again, err)
		}
		if _, ok := LookupEnhanced(e); !ok {
			t.Fatalf("parsed code %v has no meaning", e)
		}
	})
}

func FuzzFindEnhanced(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		e, ok := FindEnhanced(text)
		if !ok {
			return
		}
		if _, known := LookupEnhanced(e); !known {
			t.Fatalf("found %v, which has no meaning", e)
		}
		ents := Explain(e, 0, text)
		seen := map[string]bool{}
		for _, ent := range ents {
			if ent.Code == "" || ent.Title == "" || ent.Meaning == "" {
				t.Fatalf("incomplete entry %+v", ent)
			}
			key := ent.Source + "|" + ent.Code + "|" + ent.Title
			if seen[key] {
				t.Fatalf("duplicate entry %s", key)
			}
			seen[key] = true
		}
	})
}
