package randid_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/majlis/majlis/internal/randid"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name   string
		prefix string
		n      int
		want   string // a pattern
	}{
		{"an ID", "ev-", randid.IDBytes, `^ev-[a-z2-7]{16}$`},
		{"a token", "mjo_", randid.TokenBytes, `^mjo_[a-z2-7]{52}$`},
		{"a join token", "mjj_", 16, `^mjj_[a-z2-7]{26}$`},
		{"no prefix", "", 8, `^[a-z2-7]{13}$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			seen := map[string]bool{}
			for range 1000 {
				s := randid.New(tt.prefix, tt.n)
				if !regexp.MustCompile(tt.want).MatchString(s) {
					t.Fatalf("New(%q, %d) = %q, want %s", tt.prefix, tt.n, s, tt.want)
				}
				if len(s) != randid.Len(tt.prefix, tt.n) || !randid.Valid(s, tt.prefix, tt.n) {
					t.Fatalf("New(%q, %d) = %q: Len %d, Valid false", tt.prefix, tt.n, s, randid.Len(tt.prefix, tt.n))
				}
				if seen[s] {
					t.Fatalf("New(%q, %d) = %q twice", tt.prefix, tt.n, s)
				}
				seen[s] = true
			}
		})
	}
}

func TestValid(t *testing.T) {
	tests := []struct {
		name string
		s    string
		want bool
	}{
		{"made by New", "mjc_" + "abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrsq", true},
		{"another prefix", "mjo_" + "abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrsq", false},
		{"one short", "mjc_" + "abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrs", false},
		{"upper case", "mjc_" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567ABCDEFGHIJKLMNOPQRSQ", false},
		{"base64url of old", "mjc_" + "abcdefghijklmnopqrstuvwxyz-_0189abcdefghijklmnopqrsq", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := randid.Valid(tt.s, "mjc_", randid.TokenBytes); got != tt.want {
				t.Errorf("Valid(%q) = %v, want %v", tt.s, got, tt.want)
			}
		})
	}
}

func ExampleLen() {
	fmt.Println(randid.Len("ev-", randid.IDBytes), randid.Len("mjo_", randid.TokenBytes))
	// Output: 19 56
}

func ExampleHash() {
	fmt.Println(randid.Hash("mjo_abc"))
	// Output: 096af0d688c7fcf8c11f0136b34b65106c76fb986eddffcfb642b706bdec3452
}
