package ndr

import (
	"regexp"
	"sync"
)

// lazyExprs lists every expression given to lazyRE, so a test can compile
// them all: compiling on first use would otherwise let a broken expression
// hide until some rare bounce reaches it.
var lazyExprs []string

// lazyRE returns a function that compiles expr on its first call and then
// returns the same *regexp.Regexp, safely from any goroutine. The package
// holds dozens of expressions; compiled during package initialisation they
// cost every start of the binary about 20 ms, whatever the command, although
// only ndr uses them. Call it only from package-level declarations:
// lazyExprs is not guarded.
func lazyRE(expr string) func() *regexp.Regexp {
	lazyExprs = append(lazyExprs, expr)
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
