package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// credentials is the saved login of 'tokenmint login': the server and a
// token for it. The file is readable by its owner only.
type credentials struct {
	URL       string     `json:"url"`
	Token     string     `json:"token"`
	TokenID   string     `json:"token_id,omitempty"`
	User      string     `json:"user,omitempty"`
	Tenant    string     `json:"tenant,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// credentialsPath is $XDG_CONFIG_HOME/tokenmint/credentials.json, or
// ~/.config/tokenmint/credentials.json.
func credentialsPath() (string, error) {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" || !filepath.IsAbs(dir) {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("cannot find the credentials file: %w", err)
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "tokenmint", "credentials.json"), nil
}

// loadCredentials reads the file; a missing file is no credentials.
func loadCredentials(path string) (*credentials, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("saved login: %w", err)
	}
	var c credentials
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("saved login %s is not valid JSON; remove it or run 'tokenmint login'", path)
	}
	return &c, nil
}

// saveCredentials writes the file atomically with mode 0600, in a directory
// with mode 0700.
func saveCredentials(path string, c *credentials) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".credentials-*.json")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after the rename
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// removeCredentials deletes the file; a missing file is not an error.
func removeCredentials(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
