package http_test

import (
	"os"
	"strings"
	"testing"

	"tokenmint"
	"tokenmint/typesfile"
)

// docs/approvals.md stays true: its example types file is valid and needs
// approval, and it names every token request route, event and audit
// action.
func TestApprovalsDoc(t *testing.T) {
	raw, err := os.ReadFile("../docs/approvals.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	_, rest, ok := strings.Cut(doc, "```yaml\n")
	block, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("docs/approvals.md has no yaml example")
	}
	reg, err := typesfile.Parse("example.yaml", []byte(block))
	if err != nil {
		t.Fatalf("the example types file does not parse: %v", err)
	}
	if all := reg.All(); len(all) != 1 || !all[0].RequiresApproval() {
		t.Errorf("the example's types = %v, want one that needs approval", all)
	}
	for _, p := range muxPatterns(t) {
		if strings.Contains(p.path, "/api/v1/token-requests") && !strings.Contains(doc, "`"+p.method+" "+p.path) {
			t.Errorf("docs/approvals.md does not name %s %s", p.method, p.path)
		}
	}
	for _, s := range []string{
		tokenmint.EventTokenRequested, tokenmint.EventTokenRequestApproved, tokenmint.EventTokenRequestDenied,
		"token_request.create", "token_request.approve", "token_request.deny", "token_request.cancel", "token_request.issue", "token_request.expire",
		"not decided within 7 days", "not collected within 7 days", "approval_required",
	} {
		if !strings.Contains(doc, "`"+s+"`") && !strings.Contains(doc, `"`+s+`"`) {
			t.Errorf("docs/approvals.md does not name %s", s)
		}
	}
}
