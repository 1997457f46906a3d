package typesfile

import (
	"strings"
	"testing"
)

func TestDefaultsCoverTheSeedProducts(t *testing.T) {
	reg := Defaults()
	for _, name := range []string{
		"UserToken", "ProjectAnalysisToken", "GlobalAnalysisToken",
		"AnalysisDownloadToken", "AnalysisUploadToken", "AuditToken", "CIToken",
		"DownloadFileTransferToken", "PurgeProjectVersionToken", "ReportFileTransferToken",
		"ReportToken", "ScanCentralCtrlToken", "ScanCentralOneTimeJobToken", "UnifiedLoginToken",
		"UploadFileTransferToken", "VSTSExtensionToken", "WIESystemToken", "WIEUserToken",
		"CloudCtrlToken", "CloudOneTimeJobToken", "ApplicationToken",
	} {
		if _, ok := reg.Lookup(name); !ok {
			t.Errorf("default types lack %s", name)
		}
	}
	if typ, _ := reg.Lookup("ScanCentralOneTimeJobToken"); typ.MaxUses != 1 {
		t.Errorf("ScanCentralOneTimeJobToken max_uses = %d, want 1", typ.MaxUses)
	}
	if typ, _ := reg.Lookup("UnifiedLoginToken"); typ.MaxDaysToLive != 1 {
		t.Errorf("UnifiedLoginToken max_days_to_live = %d, want 1", typ.MaxDaysToLive)
	}
	if typ, _ := reg.Lookup("CloudCtrlToken"); !typ.Obsolete || typ.ReplacedBy != "ScanCentralCtrlToken" || typ.Creatable() {
		t.Errorf("CloudCtrlToken should be obsolete, replaced by ScanCentralCtrlToken, not creatable: %+v", typ)
	}
	if typ, _ := reg.Lookup("WIESystemToken"); !typ.Internal || typ.Creatable() {
		t.Errorf("WIESystemToken should be internal and not creatable")
	}
	if typ, _ := reg.Lookup("ApplicationToken"); typ.OwnerKind != "application" {
		t.Errorf("ApplicationToken owner_kind = %q", typ.OwnerKind)
	}
}

func TestParseErrorsNameFileLineAndProblem(t *testing.T) {
	cases := []struct {
		name, doc, want string
	}{
		{"unknown field", "types:\n  - name: A\n    permissions: [api:read]\n    default_days_to_live: 1\n    max_dayz: 3\n", "types.yaml: line 5: type \"A\": unknown field \"max_dayz\""},
		{"bad permission", "types:\n  - name: A\n    permissions: [apiread]\n    default_days_to_live: 1\n", "types.yaml: line 2: type A: permission \"apiread\" is not of the form resource:verb"},
		{"wrong value type", "types:\n  - name: A\n    permissions: [api:read]\n    default_days_to_live: many\n", "line 4"},
		{"default above max", "types:\n  - name: A\n    permissions: [api:read]\n    default_days_to_live: 9\n    max_days_to_live: 3\n", "line 2: type A: default_days_to_live 9 exceeds max_days_to_live 3"},
		{"duplicate", "types:\n  - name: A\n    permissions: [api:read]\n    default_days_to_live: 1\n  - name: A\n    permissions: [api:read]\n    default_days_to_live: 1\n", "types.yaml: line 5: type A is defined twice"},
		{"dangling replaced_by", "types:\n  - name: A\n    permissions: [api:read]\n    default_days_to_live: 1\n    obsolete: true\n    replaced_by: B\n", "types.yaml: line 2: type A: replaced_by names unknown type \"B\""},
		{"replaced_by an obsolete type", "types:\n  - name: A\n    permissions: [api:read]\n    default_days_to_live: 1\n  - name: B\n    permissions: [api:read]\n    default_days_to_live: 1\n    obsolete: true\n  - name: C\n    permissions: [api:read]\n    default_days_to_live: 1\n    obsolete: true\n    replaced_by: B\n", "types.yaml: line 9: type C: replaced_by names type B, which is obsolete itself"},
		{"syntax", "types:\n  - name: [\n", "types.yaml: yaml: line"},
		{"no types", "kinds: []\n", "unknown key \"kinds\""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("types.yaml", []byte(c.doc))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Parse error = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestParseValidFileDefaultsOwnerKind(t *testing.T) {
	reg, err := Parse("t.yaml", []byte("types:\n  - name: Deploy\n    permissions: [deploy:run]\n    default_days_to_live: 7\n"))
	if err != nil {
		t.Fatal(err)
	}
	typ, ok := reg.Lookup("Deploy")
	if !ok || typ.OwnerKind != "user" || !reg.Universe().Has("deploy:run") {
		t.Fatalf("got %+v ok=%v", typ, ok)
	}
}
