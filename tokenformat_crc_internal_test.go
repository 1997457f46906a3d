package tokenmint

import (
	"hash/crc32"
	"strings"
	"testing"
)

func TestCRC32OfStringIsIEEE(t *testing.T) {
	for _, s := range []string{"", "a", "tmu_", "tmu_0123456789ABCDEFGHIJabcdefghij", strings.Repeat("\xff\x00z", 40)} {
		if got, want := crc32OfString(s), crc32.ChecksumIEEE([]byte(s)); got != want {
			t.Errorf("crc32OfString(%q) = %08x, want %08x", s, got, want)
		}
	}
}
