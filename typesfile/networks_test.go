package typesfile

import "testing"

// TestRequireAllowedCIDRsReadFromBothFormats: the option that makes a type
// demand bound networks is read from YAML and TOML alike.
func TestRequireAllowedCIDRsReadFromBothFormats(t *testing.T) {
	for name, doc := range map[string]string{
		"t.yaml": "types:\n  - name: Deploy\n    permissions: [api:read]\n    default_days_to_live: 7\n    require_allowed_cidrs: true\n  - name: Open\n    permissions: [api:read]\n    default_days_to_live: 7\n",
		"t.toml": "[[types]]\nname = \"Deploy\"\npermissions = [\"api:read\"]\ndefault_days_to_live = 7\nrequire_allowed_cidrs = true\n[[types]]\nname = \"Open\"\npermissions = [\"api:read\"]\ndefault_days_to_live = 7\n",
	} {
		reg, err := Parse(name, []byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if typ, _ := reg.Lookup("Deploy"); !typ.RequireAllowedCIDRs {
			t.Errorf("%s: Deploy should require allowed networks", name)
		}
		if typ, _ := reg.Lookup("Open"); typ.RequireAllowedCIDRs {
			t.Errorf("%s: Open should not require allowed networks", name)
		}
	}
}
