// Package typesfile reads token type definitions from YAML or TOML: the
// built-in defaults embedded in the binary, or an operator's types file. The
// file name's extension chooses the format. Errors name the file, the line
// and the problem so a bad file stops start-up clearly.
package typesfile

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"tokenmint"
)

//go:embed defaults.yaml
var defaultsYAML []byte

// Defaults returns the registry of built-in token types.
func Defaults() *tokenmint.TypeRegistry {
	reg, err := Parse("built-in defaults.yaml", defaultsYAML)
	if err != nil {
		panic(err) // the embedded file is tested; a failure here is a build defect
	}
	return reg
}

// DefaultsYAML returns the embedded defaults, a starting point for a types file.
func DefaultsYAML() []byte { return append([]byte(nil), defaultsYAML...) }

// Load reads path, or returns the defaults when path is empty.
func Load(path string) (*tokenmint.TypeRegistry, error) {
	if path == "" {
		return Defaults(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("types file: %w", err)
	}
	return Parse(path, b)
}

// Parse decodes a types document named name in the format its extension
// says: .yaml or .yml for YAML, .toml for TOML. Any other name is refused
// rather than guessed at, so a file is never read in the wrong format.
// Unknown fields are errors, so a misspelt limit is not silently ignored.
func Parse(name string, data []byte) (*tokenmint.TypeRegistry, error) {
	var entries []entry
	var err error
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml":
		entries, err = parseYAML(name, data)
	case ".toml":
		entries, err = parseTOML(name, data)
	default:
		return nil, fmt.Errorf("%s: unknown types file format: the name must end in .yaml, .yml or .toml", name)
	}
	if err != nil {
		return nil, err
	}
	return newRegistry(name, entries)
}

// entry is one type as decoded from a file, with the line its definition
// starts on.
type entry struct {
	line int
	typ  tokenmint.TokenType
}

// newRegistry checks the types, alone and against each other, and reports a
// problem at the line of the type it concerns.
func newRegistry(name string, entries []entry) (*tokenmint.TypeRegistry, error) {
	types := make([]tokenmint.TokenType, len(entries))
	for i, e := range entries {
		types[i] = e.typ
		if types[i].OwnerKind == "" {
			types[i].OwnerKind = tokenmint.OwnerUser
		}
	}
	reg, err := tokenmint.NewTypeRegistry(types)
	var te *tokenmint.TypeError
	if errors.As(err, &te) && te.Index >= 0 && te.Index < len(entries) {
		return nil, fmt.Errorf("%s: line %d: %w", name, entries[te.Index].line, te.Err)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return reg, nil
}
