package reason

import _ "embed"

// The phrase automata of phrases.go, providers.go and stage.go are built
// ahead and embedded, so a run that reads a few bounces does not spend its
// first milliseconds building them (see package phraseset).
// TestEmbeddedTables fails when one is out of date with its phrases; a
// stale table is never used, only slower.
//
//go:generate go test -run ^TestEmbeddedTables$ -update

var (
	//go:embed phrases.bin
	phrasesTable []byte
	//go:embed signs.bin
	signsTable []byte
	//go:embed stage.bin
	stageTable []byte
)
