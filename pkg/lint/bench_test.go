package lint

import (
	"runtime"
	"testing"
)

// BenchmarkLintLarge reads and checks 12,000 send connectors (the size of
// export issue 13 measured) in each format. retained-MB is the heap the
// loaded configuration keeps, beyond the export the benchmark holds in
// memory; scripts/bench/lint.sh measures the whole process.
func BenchmarkLintLarge(b *testing.B) {
	for _, format := range []string{"clixml", "clixml-utf16", "json", "format-list"} {
		b.Run(format, func(b *testing.B) {
			data, err := largeExport(format, 12000)
			if err != nil {
				b.Fatal(err)
			}
			name := "large.xml"
			switch format {
			case "json":
				name = "large.json"
			case "format-list":
				name = "large.txt"
			}
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			before := heapAfterGC()
			b.ResetTimer()
			var retained uint64
			for range b.N {
				c, err := Load([]Source{{Name: name, Data: data}}, LoadOptions{MaxInput: int64(len(data))})
				if err != nil {
					b.Fatal(err)
				}
				fs := Check(c, Options{})
				if len(fs) != 24 {
					b.Fatalf("%d findings, want 24", len(fs))
				}
				b.StopTimer()
				if now := heapAfterGC(); now > before {
					retained = max(retained, now-before)
				}
				runtime.KeepAlive(c)
				b.StartTimer()
			}
			b.ReportMetric(float64(retained)/(1<<20), "retained-MB")
		})
	}
}

func heapAfterGC() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
