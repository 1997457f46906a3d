package http_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// recipeMarker precedes a fenced copy of a recipe file in the docs.
var recipeMarker = regexp.MustCompile(`^<!-- recipe: (docs/recipes/[^ ]+) -->$`)

// recipeLanguages are the fences that hold proxy configuration: each must
// be a marked copy of a recipe file, so no untested configuration slips
// into the docs.
var recipeLanguages = []string{"nginx", "caddyfile", "yaml", "yml"}

// docRecipes returns the recipe files a Markdown file copies, failing on
// a copy that differs from its file by one byte and on a configuration
// block that copies no file.
func docRecipes(t *testing.T, doc string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", doc))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	var shown []string
	for i := 0; i < len(lines); i++ {
		lang, isFence := strings.CutPrefix(lines[i], "```")
		if m := recipeMarker.FindStringSubmatch(lines[i]); m != nil {
			if i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "```") {
				t.Errorf("%s:%d: the recipe marker for %s is not followed by a fenced block", doc, i+1, m[1])
				continue
			}
			end := i + 2
			for end < len(lines) && lines[end] != "```" {
				end++
			}
			if end == len(lines) {
				t.Fatalf("%s:%d: the block of %s is not closed", doc, i+2, m[1])
			}
			copied := strings.Join(lines[i+2:end], "\n") + "\n"
			file, err := os.ReadFile(filepath.Join("..", m[1]))
			if err != nil {
				t.Errorf("%s:%d: %v", doc, i+1, err)
			} else if copied != string(file) {
				t.Errorf("%s:%d: the copy of %s differs from the file; paste the file again", doc, i+1, m[1])
			}
			shown = append(shown, m[1])
			i = end
			continue
		}
		if isFence && slices.Contains(recipeLanguages, strings.ToLower(strings.TrimSpace(lang))) {
			t.Errorf("%s:%d: a %s block that copies no recipe file (precede it with <!-- recipe: docs/recipes/FILE -->)", doc, i+1, lang)
		}
	}
	return shown
}

// The README shows the nginx and Caddy recipes, docs/proxies.md every
// recipe, each byte for byte as the file the proxy tests run.
func TestDocsRecipesAreTheTestedFiles(t *testing.T) {
	files, err := filepath.Glob("../docs/recipes/*")
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, f := range files {
		all = append(all, "docs/recipes/"+filepath.Base(f))
	}
	for doc, want := range map[string][]string{
		"README.md":       {"docs/recipes/Caddyfile", "docs/recipes/nginx.conf"},
		"docs/proxies.md": all,
	} {
		got := docRecipes(t, doc)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s shows the recipes %v, want %v", doc, got, want)
		}
	}
	if len(all) != 4 {
		t.Errorf("docs/recipes holds %v, want the nginx, Caddy, Traefik and Envoy recipes", all)
	}
}
