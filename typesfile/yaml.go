package typesfile

import (
	"errors"
	"fmt"
	"reflect"

	"gopkg.in/yaml.v3"

	"tokenmint"
)

// parseYAML decodes a YAML types document: a mapping whose only key, types,
// holds a list of type mappings.
func parseYAML(name string, data []byte) ([]entry, error) {
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
	entries := make([]entry, 0, len(items.Content))
	for _, item := range items.Content {
		e := entry{line: item.Line}
		if err := decodeStrict(item, &e.typ); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		entries = append(entries, e)
	}
	return entries, nil
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
		if v := node.Content[i+1]; node.Content[i].Value == "rate_limit" && v.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(v.Content); j += 2 {
				if k := v.Content[j]; k.Value != "requests" && k.Value != "per_seconds" {
					return fmt.Errorf("line %d: type %q: unknown field %q of rate_limit (requests, per_seconds)", k.Line, nameOf(node), k.Value)
				}
			}
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
