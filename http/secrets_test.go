package http_test

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// syncBuffer is a bytes.Buffer safe for the server's concurrent logging.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.b.Bytes()...)
}

func TestNoSecretIsStoredOrLogged(t *testing.T) {
	logs := &syncBuffer{}
	e := newEnvLogging(t, logs)
	_, _ = e.createUser("carol", "member")
	carol := e.login("carol", "carol-password")
	var secrets []string
	for _, typ := range []string{"CIToken", "UserToken", "ScanCentralOneTimeJobToken"} {
		plain, encoded, id := carol.createToken(map[string]any{"type": typ, "name": "n"})
		secrets = append(secrets, plain, encoded)
		e.verify("Bearer "+plain, "?permission=api:read")
		e.verify("Bearer "+plain, "?permission=users:manage") // a refusal is logged too
		if typ == "CIToken" {
			r := carol.do("POST", "/api/v1/tokens/"+id+"/rotate", map[string]any{"grace_seconds": 60})
			m := r.json(t)
			secrets = append(secrets, m["token"].(string), m["encoded"].(string))
		}
	}
	// A mistyped token presented to verify must not be logged either.
	bad := []byte(secrets[0])
	bad[10] ^= 1
	e.verify("Bearer "+string(bad), "")
	secrets = append(secrets, string(bad))
	if err := e.svc.Close(t.Context()); err != nil { // flush usage
		t.Fatal(err)
	}
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}

	stored := readDatabaseFiles(t, e.dbPath)
	if len(stored) < 4096 {
		t.Fatalf("read only %d bytes from %s*", len(stored), e.dbPath)
	}
	passwords := []string{adminPassword, "carol-password"}
	for _, s := range append(secrets, passwords...) {
		for where, hay := range map[string][]byte{"database": stored, "logs": logs.Bytes()} {
			if bytes.Contains(hay, []byte(s)) || bytes.Contains(hay, []byte(hex.EncodeToString([]byte(s)))) {
				t.Errorf("%s contains the secret %.8s…", where, s)
			}
		}
	}
	// The check can fail: the database does contain the display prefix.
	if !bytes.Contains(stored, []byte(secrets[2][:10])) { // UserToken, never rotated
		t.Fatal("the display prefix is missing from the database; the scan is not reading it")
	}
}

// readDatabaseFiles returns the bytes of the SQLite database at path with
// its WAL and shared memory, for scans of what an attacker with the files
// would read.
func readDatabaseFiles(t *testing.T, path string) []byte {
	t.Helper()
	var stored []byte
	files, _ := filepath.Glob(path + "*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, b...)
	}
	return stored
}
