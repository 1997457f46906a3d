package tokenmint_test

import (
	"testing"

	"tokenmint"
)

func TestAccessTypesAllowAgreesWithAccessTypePermissions(t *testing.T) {
	universe := tokenmint.PermissionSet{}
	for _, p := range []tokenmint.Permission{"api:read", "api:write", "results:upload", "scans:control", "tokens:introspect", "users:manage", "reports:read"} {
		universe[p] = struct{}{}
	}
	outside := tokenmint.Permission("files:download") // not in the universe
	lists := [][]string{nil}
	for _, at := range tokenmint.AccessTypes {
		lists = append(lists, []string{at})
	}
	lists = append(lists, []string{tokenmint.AccessReadOnly, tokenmint.AccessIntrospect}, []string{"api:write"}, []string{"files:download"})
	for _, ats := range lists {
		set := tokenmint.AccessTypePermissions(universe, ats)
		for p := range universe {
			if got := tokenmint.AccessTypesAllow(universe, ats, p); got != set.Has(p) {
				t.Errorf("access types %v, %s: AccessTypesAllow %v, AccessTypePermissions %v", ats, p, got, set.Has(p))
			}
		}
		if tokenmint.AccessTypesAllow(universe, ats, outside) {
			t.Errorf("access types %v allow %s, which is outside the universe", ats, outside)
		}
	}
}
