package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// CalDAV source passwords are sealed at rest with AES-256-GCM (the standard
// library's): the stored source holds "password_sealed", never the
// password, so a copy of majlis.db or of a Redis dump alone does not give
// a regional network's calendar away. The key lives apart from the data:
// the embedded store keeps it in the file SourceKeyFile next to majlis.db
// (made on first open, 0600); a Redis deployment passes it in
// RedisConfig.SourceKey (majlis reads MAJLIS_SOURCE_KEY), the same on
// every instance. A password stored in plain text by an older majlis is
// read as it is and sealed: by OpenBolt at once, by the Redis store when
// it reads it.

// SourceKeyFile is the name of the embedded store's key file, in the
// folder of majlis.db.
const SourceKeyFile = "source.key"

// SourceKeySize is the length of a source key, in bytes.
const SourceKeySize = 32

// ErrNoSourceKey is a CalDAV password to store without a key to seal it.
var ErrNoSourceKey = errors.New("store: no key to seal CalDAV passwords (set MAJLIS_SOURCE_KEY)")

// sealedPrefix starts a sealed password: its format version.
const sealedPrefix = "v1:"

// sealer seals and opens source passwords; a nil sealer has no key.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	if len(key) != SourceKeySize {
		return nil, fmt.Errorf("store: a source key is %d bytes, not %d", SourceKeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("store: source key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("store: source key: %w", err)
	}
	return &sealer{aead: aead}, nil
}

// seal returns password sealed for the source id (the ID is authenticated
// with it: a sealed value copied onto another source does not open).
func (z *sealer) seal(id, password string) (string, error) {
	if z == nil {
		return "", ErrNoSourceKey
	}
	nonce := make([]byte, z.aead.NonceSize(), z.aead.NonceSize()+len(password)+z.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("store: seal: %w", err)
	}
	out := z.aead.Seal(nonce, nonce, []byte(password), []byte(id))
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(out), nil
}

// open returns the password sealed for the source id.
func (z *sealer) open(id, sealed string) (string, error) {
	if z == nil {
		return "", ErrNoSourceKey
	}
	raw, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(sealed, sealedPrefix))
	if err != nil || !strings.HasPrefix(sealed, sealedPrefix) || len(raw) < z.aead.NonceSize() {
		return "", fmt.Errorf("store: source %q: unreadable sealed password", id)
	}
	n := z.aead.NonceSize()
	plain, err := z.aead.Open(nil, raw[:n], raw[n:], []byte(id))
	if err != nil {
		return "", fmt.Errorf("store: source %q: the password does not open with this key (was the key changed?)", id)
	}
	return string(plain), nil
}

// boltSourceKey reads the key file in dir, making it on first use.
func boltSourceKey(dir string) (*sealer, error) {
	path := filepath.Join(dir, SourceKeyFile)
	key, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key = make([]byte, SourceKeySize)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("store: source key: %w", err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("store: source key: %w", err)
		}
		if _, err := f.Write(key); err != nil {
			f.Close()
			return nil, fmt.Errorf("store: source key: %w", err)
		}
		if err := f.Sync(); err != nil { // before any password is sealed with it
			f.Close()
			return nil, fmt.Errorf("store: source key: %w", err)
		}
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("store: source key: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("store: source key: %w", err)
	}
	return newSealer(key)
}

// ParseSourceKey reads a source key written as base64 (standard, with or
// without padding), as MAJLIS_SOURCE_KEY holds it; "" is no key.
func ParseSourceKey(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	key, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(strings.TrimSpace(s), "="))
	if err != nil || len(key) != SourceKeySize {
		return nil, fmt.Errorf("store: a source key is %d random bytes in base64 (e.g. openssl rand -base64 32)", SourceKeySize)
	}
	return key, nil
}
