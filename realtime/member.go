package realtime

import "slices"

// Role is what a member may do in a room.
type Role string

// Roles, from most to least powerful.
const (
	RoleHost        Role = "host"        // runs the session: floor, agenda, mute, remove
	RoleSpeaker     Role = "speaker"     // an invited speaker: chat, hand, floor release
	RoleInterpreter Role = "interpreter" // works in a booth: chat (booth work is the interpretation protocol)
	RoleDelegate    Role = "delegate"    // acts for a member institution in a general assembly: takes part like a participant, and votes
	RoleParticipant Role = "participant" // takes part: chat, hand, reactions
	RoleObserver    Role = "observer"    // watches only
)

// Roles lists every role.
var Roles = []Role{RoleHost, RoleSpeaker, RoleInterpreter, RoleParticipant, RoleObserver, RoleDelegate}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Member is one connection in a room's roster.
type Member struct {
	// ID identifies the connection; a reconnect gets a new one.
	ID          string `json:"id"`
	Name        string `json:"name"`
	Role        Role   `json:"role"`
	Institution string `json:"institution,omitempty"`
	// Languages are the member's languages, preferred first; for an
	// interpreter, the languages they can take as input.
	Languages []string `json:"languages,omitempty"`
	Muted     bool     `json:"muted,omitempty"`
	// Booth is an interpreter's target language.
	Booth string `json:"booth,omitempty"`
	// Channel is what the member listens to: "floor" or a language.
	Channel string `json:"channel"`
	// Original: a listener also receives the floor under the
	// interpretation, to mix it in at a lower volume.
	Original bool `json:"original,omitempty"`
	// Stage: a host brought the member on stage; they may speak on the
	// floor without holding it.
	Stage bool `json:"stage,omitempty"`
	// Subject is who the member is behind the connection (an organizer,
	// an invitation, or an anonymous visitor): removal bans it. Only a
	// one-way hash of it leaves the server.
	Subject string `json:"-"`
	// Instance is the majlis instance holding the connection (a random
	// name), so that the others can tell when it died.
	Instance string `json:"instance,omitempty"`
}
