package access_test

import (
	"regexp"
	"testing"

	"github.com/majlis/majlis/access"
)

// TestTokensAndIDsShareOneEncoding: organizer tokens and IDs come from
// the one maker (internal/randid), in lower-case base32 like join tokens.
func TestTokensAndIDsShareOneEncoding(t *testing.T) {
	tests := []struct {
		name string
		make func() string
		want string
	}{
		{"organizer token", func() string { token, _ := access.NewToken(); return token }, `^mjo_[a-z2-7]{52}$`},
		{"organizer ID", func() string { return access.NewID("org_") }, `^org_[a-z2-7]{16}$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.make(); !regexp.MustCompile(tt.want).MatchString(got) {
				t.Errorf("%q, want %s", got, tt.want)
			}
		})
	}
}
