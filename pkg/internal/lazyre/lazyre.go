// Package lazyre compiles regular expressions on first use rather than
// while the binary starts.
//
// A package-level regexp.MustCompile runs at every start of mailflow,
// whatever the command: the few dozen expressions of the bounce, lint and
// policy parsers cost a few milliseconds and a few hundred fresh memory
// pages before main, which a command that reads one bounce or prints its
// version pays in full. An expression made with New costs nothing until a
// parser needs it. It does not make matching itself any faster.
//
// Compiling late would let a broken expression hide until some rare input
// reaches it, so Exprs lists every expression made so far for a test to
// compile them all.
package lazyre

import (
	"regexp"
	"sync"
)

var (
	mu    sync.Mutex
	exprs []string
)

// New returns a function that compiles expr on its first call, panicking
// as regexp.MustCompile does if it is invalid, and afterwards returns the
// same *regexp.Regexp. It is safe for concurrent use.
func New(expr string) func() *regexp.Regexp {
	mu.Lock()
	exprs = append(exprs, expr)
	mu.Unlock()
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// Exprs returns every expression given to New so far: after package
// initialisation, those of every package linked in.
func Exprs() []string {
	mu.Lock()
	defer mu.Unlock()
	return append([]string(nil), exprs...)
}
