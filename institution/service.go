package institution

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/majlis/majlis/agenda"
)

// Config tunes a Service.
type Config struct {
	// Languages are the language codes accepted for names.
	// Default: agenda.Languages (ar, en, fr, es).
	Languages []string
	// UserAssignedCountries also accepts the user-assigned ISO 3166-1
	// codes (see UserAssigned) as countries: for demonstrations and
	// training installs with fictional institutions. Default false.
	UserAssignedCountries bool
	// ReservedIDs are IDs a new institution may not take: the words of
	// the organizer app's own registry pages (new, import), which a page
	// of an institution with that ID could never be reached beside (the
	// server sets them). Institutions stored before keep theirs. Default
	// none.
	ReservedIDs []string
}

// Service applies the rules of institutions on top of a Store.
//
// Its methods are goroutine-safe as far as the Store's are.
type Service struct {
	cfg   Config
	store Store
}

// New returns a Service over store.
func New(cfg Config, store Store) *Service {
	if len(cfg.Languages) == 0 {
		cfg.Languages = slices.Clone(agenda.Languages)
	}
	return &Service{cfg: cfg, store: store}
}

// Filter selects institutions in List. The zero Filter selects all.
type Filter struct {
	// Region keeps one regional network's institutions (a regional
	// secretariat sees its own region's); empty keeps all.
	Region agenda.Region
	// Status keeps one accreditation status; empty keeps all.
	Status Status
}

// Get returns one institution or ErrNotFound.
func (s *Service) Get(ctx context.Context, id string) (Institution, error) {
	return s.store.GetInstitution(ctx, id)
}

// List returns the institutions matching f, ordered by ID.
func (s *Service) List(ctx context.Context, f Filter) ([]Institution, error) {
	all, err := s.store.ListInstitutions(ctx)
	if err != nil {
		return nil, err
	}
	out := all[:0:0]
	for _, in := range all {
		if (f.Region == "" || in.Region == f.Region) && (f.Status == "" || in.Status == f.Status) {
			out = append(out, in)
		}
	}
	return out, nil
}

// Validate checks in as Create would (after the same normalisation),
// without storing it: a dry run for forms and demo data.
func (s *Service) Validate(in Institution) error {
	normalize(&in)
	return s.validate(in).err()
}

// Create validates and stores a new institution (ErrConflict if its ID
// exists). Status and AccreditedOn are derived from History.
func (s *Service) Create(ctx context.Context, in Institution) (Institution, error) {
	normalize(&in)
	p := s.validate(in)
	s.checkNewID(p, in.ID)
	if err := p.err(); err != nil {
		return Institution{}, err
	}
	return s.store.PutInstitution(ctx, in, 0)
}

// Update validates and replaces an institution if its stored version is
// ifVersion (> 0; ErrConflict otherwise).
func (s *Service) Update(ctx context.Context, in Institution, ifVersion int64) (Institution, error) {
	normalize(&in)
	p := s.validate(in)
	if ifVersion <= 0 {
		p.add("version", "required (If-Match)")
	}
	if err := p.err(); err != nil {
		return Institution{}, err
	}
	return s.store.PutInstitution(ctx, in, ifVersion)
}

// Delete removes an institution if its stored version is ifVersion (> 0).
// Rolls already made keep their copy of it.
func (s *Service) Delete(ctx context.Context, id string, ifVersion int64) error {
	if ifVersion <= 0 {
		return &ValidationError{Fields: map[string]string{"version": "required (If-Match)"}}
	}
	return s.store.DeleteInstitution(ctx, id, ifVersion)
}

// Accredit appends c to an institution's accreditation history (so its
// Status becomes c.Status) if its stored version is ifVersion.
func (s *Service) Accredit(ctx context.Context, id string, c Change, ifVersion int64) (Institution, error) {
	in, err := s.store.GetInstitution(ctx, id)
	if err != nil {
		return Institution{}, err
	}
	if ifVersion > 0 && in.Version != ifVersion {
		return Institution{}, fmt.Errorf("%w: institution %q is at version %d, not %d", ErrConflict, id, in.Version, ifVersion)
	}
	in.History = append(in.History, c)
	return s.Update(ctx, in, in.Version)
}

// normalize trims what people type by accident and derives Status.
func normalize(in *Institution) {
	in.ID = strings.TrimSpace(in.ID)
	in.Country = strings.ToUpper(strings.TrimSpace(in.Country))
	in.Region = agenda.Region(strings.TrimSpace(string(in.Region)))
	name := agenda.Text{}
	for k, v := range in.Name {
		if v = strings.TrimSpace(v); v != "" {
			name[k] = v
		}
	}
	in.Name = name
	if in.History == nil {
		in.History = []Change{}
	}
	if in.Delegates == nil {
		in.Delegates = []Delegate{}
	}
	for i := range in.History {
		in.History[i].Note = strings.TrimSpace(in.History[i].Note)
	}
	in.derive()
}
