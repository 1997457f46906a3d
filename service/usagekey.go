package service

import (
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
)

// usageKey is a (token, IP) pair on a UTC day (tokenmint.UnixDay): uses on
// either side of midnight stay apart, so the daily counts put each on its
// own day. It holds no pointer, so a buffer of a million pairs is a map the
// garbage collector need not scan: a token ID in the canonical UUID form
// (every ID the service makes) is its 16 bytes, an IP address in its
// canonical text its 16 bytes (IPv4 flagged), and anything else the first
// 16 bytes of its SHA-256, the text kept aside in UsageBuffer.odd.
type usageKey struct {
	token [16]byte
	ip    [16]byte
	day   int32
	kind  uint8 // keyTokenOdd | keyIPOdd | keyIP4
}

const (
	keyTokenOdd uint8 = 1 << iota // token is a digest; the ID is in odd
	keyIPOdd                      // ip is a digest; the text is in odd
	keyIP4                        // ip holds an IPv4 address (As16 form)
)

// oddKey is the digest an ID or address without a compact form is filed by.
type oddKey [16]byte

func digestOf(s string) oddKey {
	sum := sha256.Sum256([]byte(s))
	return oddKey(sum[:16])
}

// makeUsageKey packs the pair. A part flagged odd (keyTokenOdd, keyIPOdd)
// is a digest: the caller keeps its text aside under it.
func makeUsageKey(tokenID, ip string, day int64) usageKey {
	return makeUsageKeyAddr(tokenID, netip.Addr{}, ip, day)
}

// makeUsageKeyAddr is makeUsageKey for a caller that has the address
// parsed: addr, when valid, must be the address ip is the text of
// (ip == addr.String()), and the text is then neither parsed again nor
// checked for its canonical form (addr.String() is canonical).
func makeUsageKeyAddr(tokenID string, addr netip.Addr, ip string, day int64) (k usageKey) {
	k.day = int32(day)
	if !parseUUID(tokenID, &k.token) {
		k.token = digestOf(tokenID)
		k.kind |= keyTokenOdd
	}
	a, ok := addr, addr.IsValid()
	if !ok {
		var err error
		a, err = netip.ParseAddr(ip)
		ok = err == nil && canonicalAddr(a, ip)
	}
	if ok && a.Zone() == "" {
		k.ip = a.As16()
		if a.Is4() {
			k.kind |= keyIP4
		}
	} else {
		k.ip = digestOf(ip)
		k.kind |= keyIPOdd
	}
	return k
}

// canonicalAddr reports whether ip is exactly a's own text, so that the
// text made back from the 16 bytes is the one recorded.
func canonicalAddr(a netip.Addr, ip string) bool {
	var buf [64]byte
	return string(a.AppendTo(buf[:0])) == ip
}

// tokenID returns the pair's token ID (odd holds the odd ones).
func (k *usageKey) tokenID(odd map[oddKey]string) string {
	if k.kind&keyTokenOdd != 0 {
		return odd[k.token]
	}
	return formatUUID(&k.token)
}

// ipText returns the pair's IP as it was recorded.
func (k *usageKey) ipText(odd map[oddKey]string) string {
	switch {
	case k.kind&keyIPOdd != 0:
		return odd[k.ip]
	case k.kind&keyIP4 != 0:
		return netip.AddrFrom16(k.ip).Unmap().String()
	default:
		return netip.AddrFrom16(k.ip).String()
	}
}

// parseUUID reads the canonical lowercase form 8-4-4-4-12 into b; any
// other spelling (upper case, braces) is not canonical, since formatUUID
// must give back the very string.
func parseUUID(s string, b *[16]byte) bool {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return false
	}
	j := 0
	for i := 0; i < 36; {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			i++
			continue
		}
		hi, ok1 := lowerHex(s[i])
		lo, ok2 := lowerHex(s[i+1])
		if !ok1 || !ok2 {
			return false
		}
		b[j] = hi<<4 | lo
		j++
		i += 2
	}
	return true
}

func lowerHex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

func formatUUID(b *[16]byte) string {
	var out [36]byte
	formatUUIDInto(&out, b)
	return string(out[:])
}

func formatUUIDInto(out *[36]byte, b *[16]byte) {
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], b[10:16])
}
