package service_test

import (
	"testing"

	"tokenmint/postgres/postgrestest"
)

// TestMain stops the PostgreSQL server the tests that run on both stores
// share, once every test is done.
func TestMain(m *testing.M) { postgrestest.Main(m) }
