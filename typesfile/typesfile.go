// Package typesfile reads token type definitions from YAML: the built-in
// defaults embedded in the binary, or an operator's types file. Errors name
// the file, the line and the problem so a bad file stops start-up clearly.
package typesfile

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"reflect"

	"gopkg.in/yaml.v3"

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

// Parse decodes a types document named name. Unknown fields are errors, so a
// misspelt limit is not silently ignored.
func Parse(name string, data []byte) (*tokenmint.TypeRegistry, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: empty types file", name)
	}
	root := doc.Content[0]
	items, err := typesNode(root)
	if err != nil {
		return nil, fmt.Errorf("%s: line %d: %w", name, root.Line, err)
	}
	var types []tokenmint.TokenType
	for _, item := range items.Content {
		var t tokenmint.TokenType
		if err := decodeStrict(item, &t); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if t.OwnerKind == "" {
			t.OwnerKind = tokenmint.OwnerUser
		}
		if err := t.Validate(); err != nil {
			return nil, fmt.Errorf("%s: line %d: %w", name, item.Line, err)
		}
		types = append(types, t)
	}
	reg, err := tokenmint.NewTypeRegistry(types)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return reg, nil
}

func typesNode(root *yaml.Node) (*yaml.Node, error) {
	if root.Kind != yaml.MappingNode {
		return nil, errors.New("expected a mapping with a 'types' list")
	}
	if len(root.Content) < 2 {
		return nil, errors.New("missing 'types' list")
	}
	if len(root.Content) > 2 || root.Content[0].Value != "types" {
		for i := 0; i < len(root.Content); i += 2 {
			if k := root.Content[i].Value; k != "types" {
				return nil, fmt.Errorf("unknown key %q (only 'types' is allowed)", k)
			}
		}
	}
	v := root.Content[1]
	if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
		return nil, errors.New("'types' must be a non-empty list")
	}
	return v, nil
}

// decodeStrict decodes one type, rejecting unknown fields with the line of
// the offending key. Decoding the original node (not a copy) keeps yaml's
// own line numbers right for type errors.
func decodeStrict(node *yaml.Node, out *tokenmint.TokenType) error {
	if node.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: each type must be a mapping", node.Line)
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		if k := node.Content[i]; !knownFields[k.Value] {
			return fmt.Errorf("line %d: type %q: unknown field %q", k.Line, nameOf(node), k.Value)
		}
	}
	if err := node.Decode(out); err != nil {
		return fmt.Errorf("type %q: %w", nameOf(node), err)
	}
	return nil
}

// knownFields are the yaml keys of tokenmint.TokenType.
var knownFields = func() map[string]bool {
	m := map[string]bool{}
	t := reflect.TypeOf(tokenmint.TokenType{})
	for i := 0; i < t.NumField(); i++ {
		if tag := t.Field(i).Tag.Get("yaml"); tag != "" {
			m[tag] = true
		}
	}
	return m
}()

func nameOf(node *yaml.Node) string {
	for i := 0; i+1 < len(node.Content); i += 2 {
		if node.Content[i].Value == "name" {
			return node.Content[i+1].Value
		}
	}
	return "?"
}
