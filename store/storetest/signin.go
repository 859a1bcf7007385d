package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
)

// testSignIn checks sessions, sign-in links, passkeys, ceremonies and
// named API tokens (access.SignInStore). Its times are near the present:
// Redis expires records on its own clock.
func testSignIn(t *testing.T, o Opener) {
	s := open(t, o)
	now := time.Now().UTC().Truncate(time.Millisecond)
	alice := access.Organizer{ID: "org_alice", Name: "Alice", Region: agenda.RegionGlobal}
	bob := access.Organizer{ID: "org_bob", Name: "Bob", Region: agenda.RegionAfrica}
	missing := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, access.ErrNotFound) {
			t.Fatalf("%s: %v, want ErrNotFound", what, err)
		}
	}

	t.Run("sessions", func(t *testing.T) {
		_, a1 := access.NewSession(alice, "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0", now)
		_, a2 := access.NewSession(alice, "curl/8.0", now.Add(time.Second))
		_, b1 := access.NewSession(bob, "", now)
		for _, se := range []access.Session{a2, a1, b1} {
			if err := s.CreateSession(ctx, se); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.SessionByHash(ctx, a1.Hash)
		if err != nil || got.ID != a1.ID || got.Organizer != "org_alice" || got.Hash != a1.Hash || got.UserAgent != "Chrome on Linux" ||
			!got.Created.Equal(now) || !got.Expires.Equal(now.Add(access.SessionMax)) {
			t.Fatalf("session by hash: %+v %v", got, err)
		}
		if err := s.TouchSession(ctx, a1.Hash, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		list, err := s.ListSessions(ctx, "org_alice")
		if err != nil || len(list) != 2 || list[0].ID != a1.ID || list[1].ID != a2.ID || !list[0].LastSeen.Equal(now.Add(time.Minute)) {
			t.Fatalf("list: %+v %v", list, err)
		}
		missing("end bob's session as alice", s.DeleteSession(ctx, "org_alice", b1.ID))
		if err := s.DeleteSession(ctx, "org_alice", a2.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.SessionByHash(ctx, a2.Hash)
		missing("ended session", err)
		missing("touch an ended session", s.TouchSession(ctx, a2.Hash, now.Add(2*time.Minute)))
		_, err = s.SessionByHash(ctx, a2.Hash)
		missing("touch made it again", err)
		if err := s.DeleteSessions(ctx, "org_alice"); err != nil {
			t.Fatal(err)
		}
		if list, err := s.ListSessions(ctx, "org_alice"); err != nil || len(list) != 0 {
			t.Fatalf("after ending all: %+v %v", list, err)
		}
		if list, err := s.ListSessions(ctx, "org_bob"); err != nil || len(list) != 1 {
			t.Fatalf("bob's session ended too: %+v %v", list, err)
		}
	})

	t.Run("sign-in links are used once", func(t *testing.T) {
		_, l := access.NewLink(alice, "", now)
		if err := s.CreateLink(ctx, l); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateLink(ctx, l); !errors.Is(err, agenda.ErrConflict) {
			t.Fatalf("same hash twice: %v", err)
		}
		got, err := s.LinkByHash(ctx, l.Hash)
		if err != nil || got.Organizer != "org_alice" || !got.Used.IsZero() || !got.Expires.Equal(now.Add(access.LinkTTL)) {
			t.Fatalf("link: %+v %v", got, err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		firsts := 0
		for range 8 {
			wg.Go(func() {
				before, err := s.UseLink(ctx, l.Hash, now.Add(time.Minute))
				if err != nil {
					t.Error(err)
					return
				}
				if before.Used.IsZero() {
					mu.Lock()
					firsts++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if firsts != 1 {
			t.Fatalf("%d uses saw an unused link, want exactly 1", firsts)
		}
		if got, err := s.LinkByHash(ctx, l.Hash); err != nil || !got.Used.Equal(now.Add(time.Minute)) {
			t.Fatalf("used link: %+v %v", got, err)
		}
		_, err = s.UseLink(ctx, access.HashToken("mjl_forged"), now)
		missing("use a forged link", err)
		_, err = s.LinkByHash(ctx, access.HashToken("mjl_forged"))
		missing("forged link", err)
	})

	t.Run("passkeys", func(t *testing.T) {
		p := access.Passkey{ID: "cred-1", Organizer: "org_alice", Created: now, Data: []byte(`{"publicKey":"AQID"}`)}
		if err := s.AddPasskey(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := s.AddPasskey(ctx, p); !errors.Is(err, agenda.ErrConflict) {
			t.Fatalf("same credential twice: %v", err)
		}
		if err := s.AddPasskey(ctx, access.Passkey{ID: "cred-0", Organizer: "org_bob", Created: now}); err != nil {
			t.Fatal(err)
		}
		p.LastUsed, p.Data = now.Add(time.Hour), []byte(`{"publicKey":"BAUG"}`)
		if err := s.UpdatePasskey(ctx, p); err != nil {
			t.Fatal(err)
		}
		got, err := s.PasskeyByID(ctx, "cred-1")
		if err != nil || got.Organizer != "org_alice" || string(got.Data) != `{"publicKey":"BAUG"}` || !got.LastUsed.Equal(now.Add(time.Hour)) {
			t.Fatalf("passkey: %+v %v", got, err)
		}
		if list, err := s.ListPasskeys(ctx, "org_alice"); err != nil || len(list) != 1 || list[0].ID != "cred-1" {
			t.Fatalf("list: %+v %v", list, err)
		}
		missing("update a missing passkey", s.UpdatePasskey(ctx, access.Passkey{ID: "cred-9", Organizer: "org_alice"}))
		_, err = s.PasskeyByID(ctx, "cred-9")
		missing("missing passkey", err)
	})

	t.Run("ceremonies are taken once", func(t *testing.T) {
		if err := s.PutCeremony(ctx, "cer_1", []byte("state"), now.Add(access.CeremonyTTL)); err != nil {
			t.Fatal(err)
		}
		if got, err := s.TakeCeremony(ctx, "cer_1", now); err != nil || string(got) != "state" {
			t.Fatalf("take: %q %v", got, err)
		}
		_, err := s.TakeCeremony(ctx, "cer_1", now)
		missing("take twice", err)
		if err := s.PutCeremony(ctx, "cer_2", []byte("state"), now.Add(access.CeremonyTTL)); err != nil {
			t.Fatal(err)
		}
		_, err = s.TakeCeremony(ctx, "cer_2", now.Add(access.CeremonyTTL))
		missing("take after it expired", err)
	})

	t.Run("named tokens", func(t *testing.T) {
		_, t1 := access.NewNamedToken(alice, "sync script", now)
		_, t2 := access.NewNamedToken(alice, "backup", now.Add(time.Second))
		_, t3 := access.NewNamedToken(bob, "bob's", now)
		for _, tok := range []access.Token{t2, t1, t3} {
			if err := s.CreateToken(ctx, tok); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.TokenUsed(ctx, t1.Hash, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		got, err := s.TokenByHash(ctx, t1.Hash)
		if err != nil || got.ID != t1.ID || got.Name != "sync script" || got.Hash != t1.Hash || !got.LastUsed.Equal(now.Add(time.Hour)) {
			t.Fatalf("token: %+v %v", got, err)
		}
		list, err := s.ListTokens(ctx, "org_alice")
		if err != nil || len(list) != 2 || list[0].ID != t1.ID || list[1].ID != t2.ID || !list[0].LastUsed.Equal(now.Add(time.Hour)) {
			t.Fatalf("list: %+v %v", list, err)
		}
		missing("revoke bob's token as alice", s.DeleteToken(ctx, "org_alice", t3.ID))
		if err := s.DeleteToken(ctx, "org_alice", t1.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.TokenByHash(ctx, t1.Hash)
		missing("revoked token", err)
		if list, err := s.ListTokens(ctx, "org_alice"); err != nil || len(list) != 1 || list[0].ID != t2.ID {
			t.Fatalf("after revoking: %+v %v", list, err)
		}
	})
}
