package ndr

import (
	"regexp"
	"sync"
	"testing"
)

// Expressions compile on first use, so a broken one would otherwise show
// only when some rare bounce reaches it.
func TestLazyExpressionsCompile(t *testing.T) {
	if len(lazyExprs) < 25 {
		t.Fatalf("only %d expressions registered; is lazyRE still used?", len(lazyExprs))
	}
	for _, expr := range lazyExprs {
		if _, err := regexp.Compile(expr); err != nil {
			t.Errorf("%v", err)
		}
	}
}

// The first use may come from several mbox workers at once; all must get
// the same compiled expression (run with -race).
func TestLazyREConcurrentFirstUse(t *testing.T) {
	re := lazyRE(`^x+$`)
	var wg sync.WaitGroup
	got := make([]*regexp.Regexp, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = re()
		}()
	}
	wg.Wait()
	for _, r := range got {
		if r != got[0] || !r.MatchString("xx") {
			t.Fatalf("workers got different or wrong expressions: %v", got)
		}
	}
}
