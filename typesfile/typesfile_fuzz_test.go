package typesfile_test

import (
	"os"
	"strings"
	"testing"

	"tokenmint"
	"tokenmint/typesfile"
)

// checkParsed is the property both formats share: Parse never panics, a
// refusal names the file, and an accepted registry is one that
// NewTypeRegistry builds again from its own types, each of which
// validates and is found by its name.
func checkParsed(t *testing.T, name string, data []byte) {
	reg, err := typesfile.Parse(name, data)
	if err != nil {
		if !strings.HasPrefix(err.Error(), name) {
			t.Fatalf("error %q does not name the file %s", err, name)
		}
		return
	}
	all := reg.All()
	if len(all) == 0 {
		t.Fatalf("accepted a registry without types from %q", data)
	}
	types := make([]tokenmint.TokenType, len(all))
	for i, tt := range all {
		if err := tt.Validate(); err != nil {
			t.Fatalf("accepted type %+v does not validate: %v", *tt, err)
		}
		if got, ok := reg.Lookup(tt.Name); !ok || got != tt {
			t.Fatalf("type %q is not found by its name", tt.Name)
		}
		if tt.OwnerKind != tokenmint.OwnerUser && tt.OwnerKind != tokenmint.OwnerApplication {
			t.Fatalf("type %q has owner kind %q", tt.Name, tt.OwnerKind)
		}
		types[i] = *tt
	}
	if _, err := tokenmint.NewTypeRegistry(types); err != nil {
		t.Fatalf("accepted registry does not validate again: %v", err)
	}
}

// FuzzParseYAML feeds arbitrary YAML to the types file parser.
func FuzzParseYAML(f *testing.F) {
	f.Add(typesfile.DefaultsYAML())
	for _, s := range []string{
		"types:\n  - name: A\n    permissions: [api:read]\n",
		"types:\n  - name: A\n    permissions: [api:read]\n    replaced_by: B\n  - name: B\n    permissions: ['*']\n    obsolete: true\n",
		"types:\n  - &a {name: A, permissions: [api:read]}\n  - *a\n",
		"types:\n  - name: A\n    permissions: [api:read]\n    max_days_to_live: 9999999999999999999\n",
		"types:\n  - name: A\n    permissions: [api:read]\n    max_uses: -1\n    owner_kind: application\n",
		"types: []\n", "types: {}\n", "---\n---\n", "a: &a [*a]\n", "types:\n  - name: [[[[[[[[[[]]]]]]]]]]\n",
		"types:\n  - name: A\n    permissionz: [api:read]\n", "\ufefftypes:\n  - name: A\n    permissions: [api:read]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParsed(t, "types.yaml", data)
	})
}

// FuzzParseTOML feeds arbitrary TOML to the types file parser.
func FuzzParseTOML(f *testing.F) {
	example, err := os.ReadFile("example.toml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	for _, s := range []string{
		"[[types]]\nname = \"A\"\npermissions = [\"api:read\"]\n",
		"types = [{name = \"A\", permissions = [\"api:read\"]}, {name = \"B\", permissions = [\"*\"], replaced_by = \"A\"}]\n",
		"[[types]]\nname = \"A\"\npermissions = [\"api:read\"]\nmax_days_to_live = 1e400\n",
		"[[types]]\nname = \"A\"\npermissions = [\"api:read\"]\nmax_uses = 9223372036854775808\n",
		"[[types]]\nname = 'A'\npermissions = ['api:read']\n[types.extra]\nx = 1\n",
		"[types]\nname = \"A\"\n", "types = 1\n", "[[types]]\n", "a = [[[[[[[[[[]]]]]]]]]]\n",
		"[[types]]\nname = \"\"\"\nA\"\"\"\npermissions = [\"api:read\"]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParsed(t, "types.toml", data)
	})
}
