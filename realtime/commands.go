package realtime

import (
	"slices"
	"strings"
)

// command is one client command, declared once in commandTable: its type,
// the roles that may send it, how its effect travels, and its handler.
// The command list (Commands), the permission check (Role.Can) and the
// dispatch (room.command) derive from the table; docs/protocol.md lists
// the same commands (a test keeps them in step).
type command struct {
	Type MsgType
	// Roles may send the command at all; handlers check more where the
	// command acts on others (hand.lower of another's hand, say).
	Roles []Role
	// Ephemeral commands are announced without a seq and not logged; the
	// others publish a logged message with the room's next seq.
	Ephemeral bool
	// Voice commands make the member heard: a muted member may not send
	// them.
	Voice bool
	// Audience commands may be sent "to" part of the room.
	Audience bool
	// run decodes the command's data (strictly, into the handler's own
	// type) and handles it, on the room goroutine. Its error goes back to
	// the sender only; nothing is published then.
	run func(r *room, c *Client, env Envelope) *Error
}

// handler makes a command's run from a handler of its data type T.
func handler[T any](fn func(r *room, c *Client, env Envelope, d T) *Error) func(*room, *Client, Envelope) *Error {
	return func(r *room, c *Client, env Envelope) *Error {
		var d T
		if e := decodeData(env.Data, &d); e != nil {
			return e
		}
		return fn(r, c, env, d)
	}
}

// noData is the data of commands that take none ({} or absent).
type noData struct{}

// Who may send what.
var (
	everyone  = Roles
	speakers  = []Role{RoleHost, RoleSpeaker, RoleInterpreter, RoleParticipant, RoleDelegate} // all but observers
	handUsers = []Role{RoleSpeaker, RoleParticipant, RoleDelegate}
	floorUser = []Role{RoleHost, RoleSpeaker, RoleParticipant, RoleDelegate}
	hosts     = []Role{RoleHost}
	booths    = []Role{RoleInterpreter}
	// The general assembly (assembly.go): delegates vote and answer the
	// roll for their institutions.
	delegates = []Role{RoleDelegate}
	rollUsers = []Role{RoleHost, RoleDelegate}
	// A webinar's questions and polls: attendees ask and answer polls,
	// hosts and panelists (the stage) moderate.
	askers = []Role{RoleParticipant, RoleDelegate}
	stage  = []Role{RoleHost, RoleSpeaker}
)

// commandTable is every client command, in the order of docs/protocol.md.
// Handlers live by concern: chat.go, floor.go, agenda_live.go,
// moderation.go, booth.go.
var commandTable = []command{
	{Type: CmdChat, Roles: speakers, Voice: true, Audience: true, run: handler((*room).chat)},
	{Type: CmdReaction, Roles: speakers, Voice: true, Ephemeral: true, run: handler((*room).reaction)},
	{Type: CmdHandRaise, Roles: handUsers, Voice: true, run: handler((*room).handRaise)},
	{Type: CmdHandLower, Roles: floorUser, run: handler((*room).handLower)},
	{Type: CmdFloorGrant, Roles: hosts, run: handler((*room).floorGrant)},
	{Type: CmdFloorRelease, Roles: floorUser, run: handler((*room).floorRelease)},
	{Type: CmdFloorReorder, Roles: hosts, run: handler((*room).floorReorder)},
	{Type: CmdFloorClear, Roles: hosts, run: handler((*room).floorClear)},
	{Type: CmdAgendaStart, Roles: hosts, run: handler((*room).agendaStart)},
	{Type: CmdAgendaEnd, Roles: hosts, run: handler((*room).agendaEnd)},
	{Type: CmdMute, Roles: hosts, run: handler((*room).mute)},
	{Type: CmdRemove, Roles: hosts, run: handler((*room).remove)},
	// Interpretation: anyone picks what to listen to; interpreters run
	// their booth; captions come from whoever is on air (checked then).
	{Type: CmdChannel, Roles: everyone, run: handler((*room).channel)},
	{Type: CmdFloorLanguage, Roles: hosts, run: handler((*room).floorLanguage)},
	{Type: CmdBoothTake, Roles: booths, run: handler((*room).boothTake)},
	{Type: CmdBoothRequest, Roles: booths, run: handler((*room).boothRequest)},
	{Type: CmdBoothAccept, Roles: booths, run: handler((*room).boothAccept)},
	{Type: CmdBoothDecline, Roles: booths, run: handler((*room).boothDecline)},
	{Type: CmdBoothMute, Roles: booths, run: handler((*room).boothMute)},
	{Type: CmdBoothForce, Roles: hosts, run: handler((*room).boothForce)},
	{Type: CmdSlowDown, Roles: booths, Ephemeral: true, run: handler((*room).slowDown)},
	{Type: CmdCaption, Roles: speakers, run: handler((*room).caption)},
	// The live session (live.go).
	{Type: CmdSessionStart, Roles: hosts, run: handler((*room).sessionStart)},
	{Type: CmdSessionEnd, Roles: hosts, run: handler((*room).sessionEnd)},
	{Type: CmdAnnounce, Roles: hosts, run: handler((*room).announce)},
	{Type: CmdStage, Roles: hosts, run: handler((*room).stage)},
	{Type: CmdBoothSound, Roles: booths, Ephemeral: true, run: handler((*room).boothSound)},
	{Type: CmdShiftWarning, Roles: hosts, run: handler((*room).shiftWarning)},
	// Webinars (webinar.go).
	{Type: CmdWebinarPractice, Roles: hosts, run: handler((*room).webinarPractice)},
	{Type: CmdWebinarStart, Roles: hosts, run: handler((*room).webinarStart)},
	{Type: CmdWebinarSettings, Roles: hosts, run: handler((*room).webinarSettingsCmd)},
	// The general assembly (assembly.go).
	{Type: CmdAssemblyGet, Roles: everyone, Ephemeral: true, run: handler((*room).assemblyGet)},
	{Type: CmdRollCall, Roles: hosts, run: handler((*room).rollCall)},
	{Type: CmdRollMark, Roles: rollUsers, run: handler((*room).rollMark)},
	{Type: CmdProxyGrant, Roles: hosts, run: handler((*room).proxyGrant)},
	{Type: CmdProxyRevoke, Roles: hosts, run: handler((*room).proxyRevoke)},
	{Type: CmdProxyRules, Roles: hosts, run: handler((*room).proxyRules)},
	{Type: CmdBallotPrepare, Roles: hosts, run: handler((*room).ballotPrepare)},
	{Type: CmdBallotOpen, Roles: hosts, run: handler((*room).ballotOpen)},
	{Type: CmdBallotCast, Roles: delegates, Ephemeral: true, run: handler((*room).ballotCast)},
	{Type: CmdBallotClose, Roles: hosts, run: handler((*room).ballotClose)},
	// A webinar's questions (questions.go) and polls (polls.go).
	{Type: CmdQASettings, Roles: hosts, run: handler((*room).qaSettings)},
	{Type: CmdQuestionAsk, Roles: askers, run: handler((*room).questionAsk)},
	{Type: CmdQuestionVote, Roles: floorUser, run: handler((*room).questionVote)},
	{Type: CmdQuestionAnswer, Roles: stage, run: handler((*room).questionAnswer)},
	{Type: CmdQuestionModerate, Roles: stage, run: handler((*room).questionModerate)},
	{Type: CmdPollCreate, Roles: hosts, run: handler((*room).pollCreate)},
	{Type: CmdPollOpen, Roles: hosts, run: handler((*room).pollOpen)},
	{Type: CmdPollClose, Roles: hosts, run: handler((*room).pollClose)},
	{Type: CmdPollShare, Roles: hosts, run: handler((*room).pollShare)},
	{Type: CmdPollAnswer, Roles: askers, Ephemeral: true, run: handler((*room).pollAnswer)},
}

// commandsByType indexes commandTable.
var commandsByType = func() map[MsgType]*command {
	m := make(map[MsgType]*command, len(commandTable))
	for i := range commandTable {
		m[commandTable[i].Type] = &commandTable[i]
	}
	return m
}()

// Commands lists every client command, in the order of the table.
var Commands = func() []MsgType {
	out := make([]MsgType, len(commandTable))
	for i, c := range commandTable {
		out[i] = c.Type
	}
	return out
}()

// Can reports whether role r may send cmd at all.
func (r Role) Can(cmd MsgType) bool {
	c, ok := commandsByType[cmd]
	return ok && slices.Contains(c.Roles, r)
}

// command runs one client command in the room goroutine: the checks every
// command shares, then its handler. The returned error goes back to the
// client only; nothing is published then.
func (r *room) command(c *Client, env Envelope) *Error {
	cmd, ok := commandsByType[env.Type]
	if !ok {
		return errorf(ErrBadMessage, "unknown message type %q", clip(string(env.Type), 40))
	}
	if !slices.Contains(cmd.Roles, c.member.Role) {
		return errorf(ErrForbidden, "a %s may not send %s", c.member.Role, env.Type)
	}
	if c.member.Muted && cmd.Voice {
		return errorf(ErrForbidden, "a host muted you")
	}
	if env.To != ToEveryone && !cmd.Audience {
		return errorf(ErrBadMessage, `only chat may be sent "to" an audience`)
	}
	if env.To == ToInterpreters && c.member.Role != RoleInterpreter && c.member.Role != RoleHost {
		return errorf(ErrForbidden, "only interpreters and hosts use the interpreters' chat")
	}
	if booth, ok := strings.CutPrefix(env.To, ToBooth); ok && c.member.Role != RoleHost && c.member.Booth != booth {
		return errorf(ErrForbidden, "only that booth's interpreters and hosts use its chat")
	}
	if e := r.webinarGate(c, env.Type); e != nil {
		return e
	}
	return cmd.run(r, c, env)
}
