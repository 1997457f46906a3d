package typesfile

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"tokenmint"
)

// tomlA is a valid type A, four lines starting at line 1.
const tomlA = "[[types]]\nname = \"A\"\npermissions = [\"api:read\"]\ndefault_days_to_live = 1\n"

func TestTypesTOMLErrorsNameFileLineAndProblem(t *testing.T) {
	cases := []struct {
		name, doc, want string
	}{
		{"unknown field", tomlA + "max_dayz = 3\n",
			`types.toml: line 5: type "A": unknown field "max_dayz"`},
		{"unknown field of the second type", tomlA + "\n[[types]]\nname = \"B\"\npermissions = [\"api:read\"]\nmax_dayz = 3\n",
			`types.toml: line 9: type "B": unknown field "max_dayz"`},
		{"unknown field in an inline table", "types = [\n  { name = \"A\", permissions = [\"api:read\"], default_days_to_live = 1 },\n  { name = \"B\", max_dayz = 3 },\n]\n",
			`types.toml: line 3: type "B": unknown field "max_dayz"`},
		{"unknown sub-table", tomlA + "[types.limits]\nx = 1\n",
			`types.toml: line 5: type "A": unknown field "limits"`},
		{"bad permission", "[[types]]\nname = \"A\"\npermissions = [\"apiread\"]\ndefault_days_to_live = 1\n",
			`types.toml: line 1: type A: permission "apiread" is not of the form resource:verb`},
		{"wrong value type", "[[types]]\nname = \"A\"\npermissions = [\"api:read\"]\ndefault_days_to_live = \"many\"\n",
			`types.toml: line 4: type "A": default_days_to_live: expected an integer, got a TOML string`},
		{"permissions not a list", "[[types]]\nname = \"A\"\npermissions = \"api:read\"\ndefault_days_to_live = 1\n",
			`types.toml: line 3: type "A": permissions: expected a list of strings, got a TOML string`},
		{"key given twice", tomlA + "default_days_to_live = 9\n",
			`types.toml: line 5: type "A": default_days_to_live: key default_days_to_live is already defined`},
		{"default above max", "[[types]]\nname = \"A\"\npermissions = [\"api:read\"]\ndefault_days_to_live = 9\nmax_days_to_live = 3\n",
			`types.toml: line 1: type A: default_days_to_live 9 exceeds max_days_to_live 3`},
		{"duplicate", tomlA + "\n" + tomlA,
			`types.toml: line 6: type A is defined twice`},
		{"duplicate in an inline list", "types = [\n  { name = \"A\", permissions = [\"api:read\"], default_days_to_live = 1 },\n  { name = \"A\", permissions = [\"api:read\"], default_days_to_live = 1 },\n]\n",
			`types.toml: line 3: type A is defined twice`},
		{"dangling replaced_by", tomlA + "obsolete = true\nreplaced_by = \"B\"\n",
			`types.toml: line 1: type A: replaced_by names unknown type "B"`},
		{"replaced_by an obsolete type", tomlA + "obsolete = true\n\n[[types]]\nname = \"C\"\npermissions = [\"api:read\"]\ndefault_days_to_live = 1\nobsolete = true\nreplaced_by = \"A\"\n",
			`types.toml: line 7: type C: replaced_by names type A, which is obsolete itself`},
		{"syntax", "[[types]]\nname = [\n", `types.toml: line 2: `},
		{"unknown root key", "kinds = []\n", `types.toml: line 1: unknown key "kinds" (only 'types' is allowed)`},
		{"unknown table after the types", tomlA + "\n[server]\nport = 1\n", `types.toml: line 6: unknown key "server" (only 'types' is allowed)`},
		{"types is one table", "[types]\nname = \"A\"\n", `types.toml: line 1: 'types' must be [[types]] tables or a list of inline tables`},
		{"no types", "# nothing yet\n", `types.toml: line 1: 'types' must be a non-empty list of [[types]] tables`},
		{"empty list", "\ntypes = []\n", `types.toml: line 2: 'types' must be a non-empty list of [[types]] tables`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("types.toml", []byte(c.doc))
			if err == nil {
				t.Fatalf("Parse succeeded, want %q", c.want)
			}
			if strings.HasSuffix(c.want, ": ") {
				if !strings.HasPrefix(err.Error(), c.want) {
					t.Fatalf("Parse error = %q, want it to start with %q", err, c.want)
				}
				return
			}
			if err.Error() != c.want {
				t.Fatalf("Parse error = %q\nwant             %q", err, c.want)
			}
		})
	}
}

// The example TOML file is the built-in defaults, type for type.
func TestTypesExampleTOMLEqualsTheDefaults(t *testing.T) {
	reg, err := Load("example.toml")
	if err != nil {
		t.Fatal(err)
	}
	got, want := reg.All(), Defaults().All()
	if len(got) != len(want) {
		t.Fatalf("example.toml has %d types, the defaults %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("example.toml: %+v\ndefaults.yaml: %+v", *got[i], *want[i])
		}
	}
	if !reflect.DeepEqual(reg.Universe(), Defaults().Universe()) {
		t.Error("example.toml and the defaults know different permissions")
	}
}

// A TOML file may also give the types as an inline list; the owner kind
// defaults to user as in YAML.
func TestTypesTOMLInlineListAndDefaults(t *testing.T) {
	reg, err := Parse("t.toml", []byte("types = [\n  { name = \"Deploy\", permissions = [\"deploy:run\"], default_days_to_live = 7 },\n  { name = \"Bot\", permissions = [\"*\"], default_days_to_live = 0, allow_no_expiry = true, owner_kind = \"application\" },\n]\n"))
	if err != nil {
		t.Fatal(err)
	}
	typ, ok := reg.Lookup("Deploy")
	if !ok || typ.OwnerKind != "user" || typ.DefaultDaysToLive != 7 || !reg.Universe().Has("deploy:run") {
		t.Fatalf("Deploy = %+v ok=%v", typ, ok)
	}
	if typ, ok := reg.Lookup("Bot"); !ok || typ.OwnerKind != "application" || !typ.AllOwnerPermissions() || !typ.AllowNoExpiry {
		t.Fatalf("Bot = %+v ok=%v", typ, ok)
	}
}

// The TOML keys are the YAML keys: one file format, two syntaxes.
func TestTypesTOMLKeysMirrorYAML(t *testing.T) {
	tt, yt := reflect.TypeOf(tomlType{}), reflect.TypeOf(tokenmint.TokenType{})
	if tt.NumField() != yt.NumField() {
		t.Fatalf("tomlType has %d fields, TokenType %d", tt.NumField(), yt.NumField())
	}
	for i := 0; i < yt.NumField(); i++ {
		if tk, yk := tt.Field(i).Tag.Get("toml"), yt.Field(i).Tag.Get("yaml"); tk != yk {
			t.Errorf("field %s: toml key %q, yaml key %q", yt.Field(i).Name, tk, yk)
		}
	}
}

// The extension picks the format; an unknown one is refused, not guessed.
func TestTypesLoadChoosesTheFormatByExtension(t *testing.T) {
	dir := t.TempDir()
	yamlDoc := "types:\n  - name: Deploy\n    permissions: [deploy:run]\n    default_days_to_live: 7\n"
	tomlDoc := "[[types]]\nname = \"Deploy\"\npermissions = [\"deploy:run\"]\ndefault_days_to_live = 7\n"
	for file, doc := range map[string]string{"a.yaml": yamlDoc, "b.yml": yamlDoc, "c.toml": tomlDoc, "D.TOML": tomlDoc} {
		path := filepath.Join(dir, file)
		if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		reg, err := Load(path)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if _, ok := reg.Lookup("Deploy"); !ok {
			t.Fatalf("%s: Deploy not loaded", file)
		}
	}
	// YAML in a .toml file is read as TOML, and fails with its line.
	path := filepath.Join(dir, "wrong.toml")
	os.WriteFile(path, []byte(yamlDoc), 0o600)
	if _, err := Load(path); err == nil || !strings.HasPrefix(err.Error(), path+": line 1: ") {
		t.Fatalf("YAML in a .toml file: %v", err)
	}
	path = filepath.Join(dir, "types.conf")
	os.WriteFile(path, []byte(tomlDoc), 0o600)
	want := path + ": unknown types file format: the name must end in .yaml, .yml or .toml"
	if _, err := Load(path); err == nil || err.Error() != want {
		t.Fatalf("Load(types.conf) = %v, want %q", err, want)
	}
}
