package typesfile

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"

	"tokenmint"
)

// tomlDoc is a TOML types document: an array of tables named types, the
// same shape as the YAML file.
type tomlDoc struct {
	Types []tomlType `toml:"types"`
}

// tomlType is tokenmint.TokenType with TOML keys. The conversion between the
// two compiles only while their fields are the same, so a field added to
// TokenType must be added here; a test checks the keys match the YAML ones.
type tomlType struct {
	Name              string                 `toml:"name"`
	Description       string                 `toml:"description"`
	Permissions       []tokenmint.Permission `toml:"permissions"`
	ProjectScoped     bool                   `toml:"project_scoped"`
	DefaultDaysToLive int                    `toml:"default_days_to_live"`
	MaxDaysToLive     int                    `toml:"max_days_to_live"`
	AllowNoExpiry     bool                   `toml:"allow_no_expiry"`
	MaxUses           int                    `toml:"max_uses"`
	Internal          bool                   `toml:"internal"`
	Obsolete          bool                   `toml:"obsolete"`
	ReplacedBy        string                 `toml:"replaced_by"`
	OwnerKind         string                 `toml:"owner_kind"`
	Approval          string                 `toml:"approval"`
	// RequireAllowedCIDRs: see tokenmint.TokenType.
	RequireAllowedCIDRs bool                 `toml:"require_allowed_cidrs"`
	RateLimit           *tokenmint.RateLimit `toml:"rate_limit"`
}

// parseTOML decodes a TOML types document. go-toml decodes the values and
// reports syntax errors, wrong value types and unknown keys with their line;
// a scan of the document finds where each type starts and its name, which
// the decoder does not tell.
func parseTOML(name string, data []byte) ([]entry, error) {
	locs := scanTOML(data)
	var doc tomlDoc
	if err := toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields().Decode(&doc); err != nil {
		return nil, tomlError(name, err, locs)
	}
	if len(doc.Types) == 0 {
		return nil, fmt.Errorf("%s: line %d: 'types' must be a non-empty list of [[types]] tables", name, max(locs.types, 1))
	}
	if len(locs.entries) != len(doc.Types) {
		// The scan and the decoder read the same document; they disagree
		// only on a shape this package does not expect.
		return nil, fmt.Errorf("%s: line %d: 'types' must be [[types]] tables or a list of inline tables", name, max(locs.types, 1))
	}
	entries := make([]entry, len(doc.Types))
	for i, t := range doc.Types {
		entries[i] = entry{line: locs.entries[i].line, typ: tokenmint.TokenType(t)}
	}
	return entries, nil
}

// tomlError rewrites a go-toml error as "file: line N: problem", naming the
// type the line belongs to. The scan, not the error's key, says whether the
// line is inside a type: go-toml gives keys inside an inline table without
// the types prefix.
func tomlError(name string, err error, locs tomlLocs) error {
	var missing *toml.StrictMissingError
	if errors.As(err, &missing) && len(missing.Errors) > 0 {
		de := &missing.Errors[0]
		row, _ := de.Position()
		key := de.Key()
		if typ, ok := locs.typeAt(row); ok {
			return fmt.Errorf("%s: line %d: type %q: unknown field %q", name, row, typ, fieldOf(key))
		}
		return fmt.Errorf("%s: line %d: unknown key %q (only 'types' is allowed)", name, row, strings.Join(key, "."))
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, _ := de.Position()
		msg := mismatchMessage(strings.TrimPrefix(de.Error(), "toml: "))
		if typ, ok := locs.typeAt(row); ok && len(de.Key()) > 0 {
			return fmt.Errorf("%s: line %d: type %q: %s: %s", name, row, typ, fieldOf(de.Key()), msg)
		}
		return fmt.Errorf("%s: line %d: %s", name, row, msg)
	}
	return fmt.Errorf("%s: %w", name, err)
}

// fieldOf is a key relative to its type: without a leading "types".
func fieldOf(key toml.Key) string {
	if len(key) > 1 && key[0] == "types" {
		key = key[1:]
	}
	return strings.Join(key, ".")
}

var mismatchRE = regexp.MustCompile(`^cannot decode TOML (\w+) into struct field \S+ of type (\S+)$`)

// goTypeWords say what a field of each Go type of tomlType wants.
var goTypeWords = map[string]string{
	"int": "an integer", "bool": "true or false", "string": "a string",
	"[]tokenmint.Permission": "a list of strings", "typesfile.tomlType": "a table",
}

// mismatchMessage words go-toml's "cannot decode TOML string into struct
// field typesfile.tomlType.MaxUses of type int" for an operator, who knows
// the keys but not this package's Go names. Other messages are kept.
func mismatchMessage(msg string) string {
	m := mismatchRE.FindStringSubmatch(msg)
	if m == nil || goTypeWords[m[2]] == "" {
		return msg
	}
	return fmt.Sprintf("expected %s, got a TOML %s", goTypeWords[m[2]], m[1])
}

// tomlLocs says where the types of a TOML document are.
type tomlLocs struct {
	types   int // line of the first [[types]] header or of types = [...]
	entries []tomlLoc
	// outside are the lines of keys and table headers that belong to no
	// type (all of them unknown, since types is the only root key).
	outside map[int]bool
}

// tomlLoc is where one type starts, and its name if it has a string one.
type tomlLoc struct {
	line int
	name string
}

// typeAt returns the name of the type whose definition holds line ("?" if
// it has none), and false if the line is outside every type.
func (l tomlLocs) typeAt(line int) (string, bool) {
	if l.outside[line] || len(l.entries) == 0 || line < l.entries[0].line {
		return "", false
	}
	name := "?"
	for _, e := range l.entries {
		if e.line > line {
			break
		}
		name = e.name
		if name == "" {
			name = "?"
		}
	}
	return name, true
}

// scanTOML finds each type of a TOML document: a [[types]] table, or an
// inline table in a root-level types = [...]. It stops at a syntax error,
// which the decoder reports.
func scanTOML(data []byte) tomlLocs {
	locs := tomlLocs{outside: map[int]bool{}}
	var p unstable.Parser
	p.Reset(data)
	lineOf := func(n *unstable.Node) int { return p.Shape(n.Raw).Start.Line }
	table := "" // the key of the last table header; "" is the root table
	inType := func() bool { return table == "types" || strings.HasPrefix(table, "types.") }
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			keys := e.Key()
			table = keyString(keys)
			keys.Next()
			line := lineOf(keys.Node())
			switch {
			case e.Kind == unstable.ArrayTable && table == "types":
				if locs.types == 0 {
					locs.types = line
				}
				locs.entries = append(locs.entries, tomlLoc{line: line})
			case !inType():
				locs.outside[line] = true
			}
		case unstable.KeyValue:
			key := keyString(e.Key())
			switch {
			case table == "types" && key == "name" && len(locs.entries) > 0:
				if last := &locs.entries[len(locs.entries)-1]; last.name == "" {
					last.name = stringValue(e.Value()) // a second name is the decoder's error
				}
			case table == "" && key == "types":
				locs.types = lineOf(e)
				if e.Value().Kind != unstable.Array {
					continue
				}
				for it := e.Value().Children(); it.Next(); {
					if n := it.Node(); n.Kind == unstable.InlineTable {
						locs.entries = append(locs.entries, tomlLoc{line: lineOf(n), name: inlineName(n)})
					}
				}
			case !inType():
				locs.outside[lineOf(e)] = true
			}
		}
	}
	return locs
}

// keyString joins a possibly dotted key.
func keyString(it unstable.Iterator) string {
	var parts []string
	for it.Next() {
		parts = append(parts, string(it.Node().Data))
	}
	return strings.Join(parts, ".")
}

// inlineName returns the name key of an inline table.
func inlineName(table *unstable.Node) string {
	for it := table.Children(); it.Next(); {
		if kv := it.Node(); kv.Kind == unstable.KeyValue && keyString(kv.Key()) == "name" {
			return stringValue(kv.Value())
		}
	}
	return ""
}

func stringValue(n *unstable.Node) string {
	if n.Kind != unstable.String {
		return ""
	}
	return string(n.Data)
}
