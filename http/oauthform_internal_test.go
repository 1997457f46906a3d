package http

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
)

// FuzzOAuthFormBodyMatchesParseForm holds readOAuthFormBody to what
// Request.ParseForm plus the once-only rule accepted before it: the same
// values, and an error exactly when ParseForm failed or a parameter came
// twice.
func FuzzOAuthFormBodyMatchesParseForm(f *testing.F) {
	for _, s := range []string{"", "grant_type=client_credentials&scope=api%3Aread", "a=1&&b=2", "a=1;b=2", "k%zz=1",
		"x=%41+b", "=x&y=", "a=1&a=2", "a", "&", strings.Repeat("p=1&", 3)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		newReq := func() *http.Request {
			r := httptest.NewRequest("POST", "/oauth/token", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}
		old := newReq()
		oldErr := old.ParseForm()
		twice := false
		for _, vs := range old.PostForm {
			twice = twice || len(vs) > 1
		}
		got, err := readOAuthFormBody(httptest.NewRecorder(), newReq(), maxOAuthFormBytes)
		if (oldErr != nil || twice) != (err != nil) {
			t.Fatalf("%q: ParseForm error %v (a parameter twice: %v), readOAuthFormBody error %v", body, oldErr, twice, err)
		}
		if err != nil {
			return
		}
		if len(got) != len(old.PostForm) {
			t.Fatalf("%q: got %v, ParseForm %v", body, got, old.PostForm)
		}
		for k, vs := range old.PostForm {
			if len(got[k]) != 1 || got[k][0] != vs[0] {
				t.Fatalf("%q: key %q got %v, ParseForm %v", body, k, got[k], vs)
			}
		}
	})
}

func TestOAuthFormBodyOverTheLimitIsRefused(t *testing.T) {
	r := httptest.NewRequest("POST", "/oauth/token", strings.NewReader("a="+strings.Repeat("x", 100)))
	_, err := readOAuthFormBody(httptest.NewRecorder(), r, 64)
	if err == nil || !strings.Contains(err.Error(), "64 KiB") {
		t.Fatalf("a body over the limit: %v", err)
	}
}

// A body of nothing but separators costs no more than its own size: the
// form's map is not sized by counting them.
func TestOAuthFormBodyOfSeparatorsAllocatesLittle(t *testing.T) {
	body := strings.Repeat("&", maxOAuthFormBytes)
	read := func() {
		r := httptest.NewRequest("POST", "/oauth/token", strings.NewReader(body))
		form, err := readOAuthFormBody(httptest.NewRecorder(), r, maxOAuthFormBytes)
		if err != nil || len(form) != 0 {
			t.Fatalf("a body of separators: %v %v", form, err)
		}
	}
	read() // fills the buffer pool
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	read()
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 16*maxOAuthFormBytes {
		t.Fatalf("reading a 64 KiB body of '&' allocated %d bytes", n)
	}
}
