package smtptest

import (
	"bytes"
	"io"
	"mime"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// mimeDecoder decodes RFC 2047 encoded words in a header.
type mimeDecoder struct{ d mime.WordDecoder }

func (m *mimeDecoder) decode(s string) string {
	out, err := m.d.DecodeHeader(s)
	if err != nil {
		return s
	}
	return out
}
