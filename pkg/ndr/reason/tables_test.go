package reason

import (
	"flag"
	"testing"

	"github.com/mailflowkit/mailflow/pkg/ndr/internal/phraseset"
)

var update = flag.Bool("update", false, "rewrite the embedded phrase tables (*.bin)")

func TestEmbeddedTables(t *testing.T) {
	phrases, _ := phraseList()
	signs, _ := signList()
	stage, _ := stageList()
	for _, c := range []struct {
		file    string
		table   []byte
		phrases []string
	}{
		{"phrases.bin", phrasesTable, phrases},
		{"signs.bin", signsTable, signs},
		{"stage.bin", stageTable, stage},
	} {
		if err := phraseset.CheckTable(c.file, c.table, c.phrases, *update); err != nil {
			t.Error(err)
		}
	}
}
