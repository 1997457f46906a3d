package http

import "time"

// timeLayout names the three ways a verification answer writes an expiry.
type timeLayout uint8

const (
	layoutRFC3339     timeLayout = iota // time.RFC3339: X-Token-Expiration
	layoutRFC3339Nano                   // time.RFC3339Nano: JSON's expires_at
	layoutSonarQube                     // sonarQubeTimeLayout: SonarQube's header
)

var timeLayouts = [...]string{time.RFC3339, time.RFC3339Nano, sonarQubeTimeLayout}

// appendTime appends t as time.AppendFormat does with the layout's string.
// It is written by hand for UTC times of years 0 to 9999 because
// AppendFormat parses its layout on every call: the three expiry formats
// of a verification were 1 % of the endpoint's CPU. Anything else goes
// through AppendFormat (FuzzAppendTimeMatchesAppendFormat compares them).
func appendTime(b []byte, t time.Time, layout timeLayout) []byte {
	year, month, day := t.Date()
	if t.Location() != time.UTC || year < 0 || year > 9999 {
		return t.AppendFormat(b, timeLayouts[layout])
	}
	hour, minute, sec := t.Clock()
	b = appendDigits(b, year, 4)
	b = append(b, '-')
	b = appendDigits(b, int(month), 2)
	b = append(b, '-')
	b = appendDigits(b, day, 2)
	b = append(b, 'T')
	b = appendDigits(b, hour, 2)
	b = append(b, ':')
	b = appendDigits(b, minute, 2)
	b = append(b, ':')
	b = appendDigits(b, sec, 2)
	if ns := t.Nanosecond(); layout == layoutRFC3339Nano && ns != 0 {
		digits := 9
		for ns%10 == 0 {
			ns /= 10
			digits--
		}
		b = append(b, '.')
		b = appendDigits(b, ns, digits)
	}
	if layout == layoutSonarQube {
		return append(b, "+0000"...)
	}
	return append(b, 'Z')
}

// appendDigits appends v, at most 9 digits and not negative, zero-padded
// to width.
func appendDigits(b []byte, v, width int) []byte {
	var buf [9]byte
	for i := width - 1; i >= 0; i-- {
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, buf[:width]...)
}
