package reason

import (
	"flag"
	"os"
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
		want, ok := phraseset.Current(c.table, c.phrases)
		switch {
		case ok:
		case *update:
			if err := os.WriteFile(c.file, want, 0o644); err != nil {
				t.Fatal(err)
			}
		default:
			t.Errorf("%s is out of date with the phrases: run go generate ./pkg/ndr/...", c.file)
		}
	}
}
