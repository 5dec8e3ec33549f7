package lazyre

import (
	"regexp"
	"slices"
	"sync"
	"testing"
)

// The first use may come from several workers at once; all must get the
// same compiled expression (run with -race).
func TestConcurrentFirstUse(t *testing.T) {
	re := New(`^x+$`)
	var wg sync.WaitGroup
	got := make([]*regexp.Regexp, 8)
	for i := range got {
		wg.Go(func() { got[i] = re() })
	}
	wg.Wait()
	for _, r := range got {
		if r != got[0] || !r.MatchString("xx") {
			t.Fatalf("workers got different or wrong expressions: %v", got)
		}
	}
	if !slices.Contains(Exprs(), `^x+$`) {
		t.Errorf("Exprs() = %q, missing the expression", Exprs())
	}
}

func TestInvalidPanicsOnUse(t *testing.T) {
	re := New(`(`)
	defer func() {
		if recover() == nil {
			t.Error("an invalid expression compiled")
		}
	}()
	re()
}
