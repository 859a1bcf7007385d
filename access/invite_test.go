package access

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestInviteTokens(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	now := time.Date(2027, 1, 20, 6, 0, 0, 0, time.UTC)
	inv := Invite{ID: "inv-1", Event: "nanhri-webinar", Role: "interpreter", Name: "Fatou Diop",
		Institution: "CNDH Sénégal", Languages: []string{"fr", "en"}, Expires: now.Add(time.Hour), By: "org_1"}
	token := SignInvite(secret, inv)
	if !IsInvite(token) || !strings.HasPrefix(token, "mjj_") {
		t.Fatalf("token %q", token)
	}
	got, err := ParseInvite(secret, token, now)
	if err != nil || got.Name != inv.Name || got.Role != inv.Role || got.Event != inv.Event || !got.Expires.Equal(inv.Expires) {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	payload, sig, _ := strings.Cut(strings.TrimPrefix(token, "mjj_"), ".")
	forgedPayload := SignInvite(secret, Invite{ID: "inv-1", Event: "nanhri-webinar", Role: "host", Name: "x", Expires: now.Add(time.Hour)})
	p2, _, _ := strings.Cut(strings.TrimPrefix(forgedPayload, "mjj_"), ".")
	bad := map[string]string{
		"expired":          token,
		"other secret":     SignInvite([]byte("another secret, thirty-two bytes"), inv),
		"role swapped":     "mjj_" + p2 + "." + sig,
		"signature cut":    "mjj_" + payload + "." + sig[:10],
		"no signature":     "mjj_" + payload,
		"not a join token": "mjo_" + payload + "." + sig,
		"huge":             "mjj_" + strings.Repeat("a", MaxInviteToken),
	}
	for name, tok := range bad {
		at := now
		if name == "expired" {
			at = now.Add(time.Hour)
		}
		if _, err := ParseInvite(secret, tok, at); !errors.Is(err, ErrBadInvite) {
			t.Errorf("%s: %v, want ErrBadInvite", name, err)
		}
	}
}
