package cli

import (
	"regexp"
	"testing"

	"github.com/mailflowkit/mailflow/pkg/internal/lazyre"
)

// The parsers' expressions compile on first use (package lazyre), so a
// broken one would otherwise show only when some rare input reaches it.
// This package links every parser, so it sees them all.
func TestLazyExpressionsCompile(t *testing.T) {
	exprs := lazyre.Exprs()
	if len(exprs) < 50 {
		t.Fatalf("only %d expressions registered; are the parsers still using lazyre?", len(exprs))
	}
	for _, expr := range exprs {
		if _, err := regexp.Compile(expr); err != nil {
			t.Errorf("%v", err)
		}
	}
}
