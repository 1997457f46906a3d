package http

import (
	"bytes"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"tokenmint"
)

// The hand-written verify answer must be byte for byte what encoding/json
// (without HTML escaping) writes for the same value.
func encodeStd(t testing.TB, v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestVerifyAnswerMatchesEncodingJSON(t *testing.T) {
	exp := time.Date(2027, 1, 3, 16, 19, 5, 131663000, time.UTC)
	cases := []verifyResponse{
		{Active: true, Tenant: "default", Subject: "u1", OwnerKind: "user", TokenID: "t1", Type: "CIToken",
			Permissions: []tokenmint.Permission{"api:read", "results:upload"}, ExpiresAt: &exp},
		{Active: true, Tenant: "ten\"ant\\<b>&\u2028\u2029\x01\x1f\t\n\r", Subject: "s\xffbad", OwnerKind: "application",
			TokenID: "é漢字", Type: "T", Project: "p-1", Permissions: []tokenmint.Permission{}},
		{Active: true, Permissions: nil},
	}
	for _, c := range cases {
		want := encodeStd(t, c)
		if c.Permissions == nil {
			// encoding/json writes null for a nil slice; the answer always
			// lists permissions, so compare with an empty one.
			c2 := c
			c2.Permissions = []tokenmint.Permission{}
			want = encodeStd(t, c2)
		}
		got := appendVerifyAnswer(nil, c)
		if !bytes.Equal(got, want) {
			t.Errorf("answer differs:\n got %s\nwant %s", got, want)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "\"\\", "\x00\x7f\u2028", "\xff\xfe", "漢字<>&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := encodeStd(t, s)
		got := append(appendJSONString(nil, s), '\n')
		if !bytes.Equal(got, want) {
			t.Fatalf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
	})
}

// eachQueryPair must read a query the way url.ParseQuery does.
func FuzzEachQueryPairMatchesParseQuery(f *testing.F) {
	for _, s := range []string{"", "permission=a:b&project=x", "a=1&&b=2;c=3", "p%zz=1&q=%41+b", "=x&y=", "permission=a%3Ab,c:d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		want, _ := url.ParseQuery(raw)
		got := url.Values{}
		_ = eachQueryPair(raw, func(k, v string) error { got[k] = append(got[k], v); return nil })
		if len(got) != len(want) {
			t.Fatalf("%q: got %v, want %v", raw, got, want)
		}
		for k, vs := range want {
			if len(got[k]) != len(vs) {
				t.Fatalf("%q: key %q got %v, want %v", raw, k, got[k], vs)
			}
			for i := range vs {
				if got[k][i] != vs[i] {
					t.Fatalf("%q: key %q got %v, want %v", raw, k, got[k], vs)
				}
			}
		}
	})
}
