package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http/httputil"
	"strconv"
)

// readAnswer reads one HTTP/1.1 answer from br and discards its body,
// returning the status and whether the server will close the connection.
//
// The load generator reads answers this way rather than with
// http.ReadResponse, which builds a Response, a header map and two strings
// per header: work that grows with the answer's headers, so a generator
// sharing the cores with the server would charge the verify answer's eight
// headers against the server (a bare handler sends three). Like wrk, this
// looks only at what framing needs (Content-Length, Transfer-Encoding,
// Connection) and allocates nothing for a sized body. An answer it cannot
// frame is an error, and the worker starts a new connection.
func readAnswer(br *bufio.Reader) (status int, closing bool, err error) {
	line, err := answerLine(br)
	if err != nil {
		return 0, false, err
	}
	// "HTTP/1.1 200 OK"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, false, fmt.Errorf("malformed status line %q", line)
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil || status < 100 {
		return 0, false, fmt.Errorf("malformed status line %q", line)
	}
	closing = line[7] == '0' // HTTP/1.0 closes unless asked otherwise
	length, chunked := int64(-1), false
	for {
		line, err = answerLine(br)
		if err != nil {
			return 0, false, err
		}
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return 0, false, fmt.Errorf("malformed header line %q", line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.ParseInt(string(value), 10, 64); err != nil || length < 0 {
				return 0, false, fmt.Errorf("bad Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
			if !chunked {
				return 0, false, fmt.Errorf("unsupported Transfer-Encoding %q", value)
			}
		case bytes.EqualFold(name, []byte("Connection")):
			closing = bytes.EqualFold(value, []byte("close"))
		}
	}
	switch {
	case status < 200 || status == 204 || status == 304:
		return status, closing, nil // no body
	case chunked:
		_, err = io.Copy(io.Discard, httputil.NewChunkedReader(br))
		if err == nil {
			err = skipTrailer(br)
		}
	case length >= 0:
		_, err = br.Discard(int(length))
	default:
		return 0, false, errors.New("answer without Content-Length or chunked encoding")
	}
	if err != nil {
		return 0, false, err
	}
	return status, closing, nil
}

// skipTrailer reads the trailer section after a chunked body, up to the
// empty line that ends it.
func skipTrailer(br *bufio.Reader) error {
	for {
		line, err := answerLine(br)
		if err != nil || len(line) == 0 {
			return err
		}
	}
}

// answerLine returns the next line without its CRLF, valid until the next
// read from br. A line longer than br's buffer is an error.
func answerLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, io.EOF) && len(line) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}
