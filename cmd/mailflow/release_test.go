package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The release archives carry what docs/getting-started.md promises: the
// man pages, completion scripts for every shell, and a binary whose
// version names its commit and date. goreleaser itself does not run in
// tests, so this reads its configuration and runs the hook it calls.
func TestReleaseArchives(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Before struct {
			Hooks []string `yaml:"hooks"`
		} `yaml:"before"`
		Builds []struct {
			Ldflags []string `yaml:"ldflags"`
		} `yaml:"builds"`
		Archives []struct {
			Files []string `yaml:"files"`
		} `yaml:"archives"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(cfg.Before.Hooks, "scripts/completions.sh completions") {
		t.Errorf("before hooks %q do not generate the completions", cfg.Before.Hooks)
	}
	for _, a := range cfg.Archives {
		for _, want := range []string{"docs/man/*.1", "completions/*", "README.md", "LICENSE"} {
			if !slices.Contains(a.Files, want) {
				t.Errorf("archive files %q lack %s", a.Files, want)
			}
		}
	}
	for _, b := range cfg.Builds {
		flags := strings.Join(b.Ldflags, " ")
		for _, v := range []string{"version", "commit", "date", "modified"} {
			if !strings.Contains(flags, "-X github.com/mailflowkit/mailflow/pkg/cli."+v+"=") {
				t.Errorf("ldflags do not set pkg/cli.%s: %s", v, flags)
			}
		}
	}

	dir := t.TempDir()
	run(t, root, nil, filepath.Join(root, "scripts", "completions.sh"), dir)
	for file, head := range map[string]string{
		"mailflow.bash": "# bash completion V2 for mailflow",
		"_mailflow":     "#compdef mailflow",
		"mailflow.fish": "# fish completion for mailflow",
		"mailflow.ps1":  "# powershell completion for mailflow",
	} {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Error(err)
			continue
		}
		if !strings.HasPrefix(string(b), head) {
			t.Errorf("%s starts %.40q, want %q", file, b, head)
		}
	}
}
