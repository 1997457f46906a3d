package tokenmint

import (
	"encoding/json"
	"slices"
	"testing"
)

// A list is read as is; one number N, as older clients send, as [N] and 0
// as []; the answer is always a list.
func TestNoticeDaysJSON(t *testing.T) {
	for in, want := range map[string]NoticeDays{`[30, 7, 1]`: {30, 7, 1}, `[1,30]`: {1, 30}, `7`: {7}, ` 0 `: {}, `[]`: {}} {
		var d NoticeDays
		if err := json.Unmarshal([]byte(in), &d); err != nil || !slices.Equal(d, want) || d == nil {
			t.Errorf("%s read as %#v, %v; want %v", in, d, err, want)
		}
	}
	for _, in := range []string{`"7"`, `[1.5]`, `["7"]`, `{}`, `7.5`} {
		var d NoticeDays
		if err := json.Unmarshal([]byte(in), &d); ErrorCode(err) != EINVALID {
			t.Errorf("%s: %v, want EINVALID", in, err)
		}
	}
	for d, want := range map[*NoticeDays]string{{}: `[]`, {30, 7, 1}: `[30,7,1]`} {
		if b, _ := json.Marshal(*d); string(b) != want {
			t.Errorf("%v written as %s, want %s", *d, b, want)
		}
	}
	var nilDays NoticeDays
	if b, _ := json.Marshal(nilDays); string(b) != `[]` {
		t.Errorf("nil written as %s, want []", b)
	}
}

func TestNoticeDaysValidate(t *testing.T) {
	eleven := NoticeDays{}
	for i := 1; i <= 11; i++ {
		eleven = append(eleven, i)
	}
	for _, bad := range []NoticeDays{{7, 7}, {0}, {366}, {-1}, eleven} {
		if err := bad.Validate(); ErrorCode(err) != EINVALID {
			t.Errorf("%v: %v, want EINVALID", bad, err)
		}
	}
	for _, good := range []NoticeDays{{}, {365}, {1, 30, 7}, eleven[:10]} {
		if err := good.Validate(); err != nil {
			t.Errorf("%v: %v", good, err)
		}
	}
	if got := (NoticeDays{1, 30, 7}).Sorted(); !slices.Equal(got, NoticeDays{30, 7, 1}) {
		t.Errorf("Sorted = %v", got)
	}
}
