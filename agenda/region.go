package agenda

import (
	"fmt"
	"maps"
	"time"
)

// ReferenceZones are the regions' reference IANA time zones, the defaults
// of Config.Zones: each regional network's secretariat (Nairobi, Mexico
// City, Sydney, Brussels) and, for global events, the head office in
// Geneva (Europe/Zurich shares its rules).
var ReferenceZones = map[Region]string{
	RegionGlobal:      "Europe/Zurich",
	RegionAfrica:      "Africa/Nairobi",
	RegionAmericas:    "America/Mexico_City",
	RegionAsiaPacific: "Australia/Sydney",
	RegionEurope:      "Europe/Brussels",
}

// checkZones fills the regions missing from zones with ReferenceZones and
// loads every zone; an unknown region or zone is a configuration error.
func checkZones(zones map[Region]string) (map[Region]*time.Location, error) {
	all := maps.Clone(ReferenceZones)
	for r, z := range zones {
		if !r.Valid() {
			return nil, fmt.Errorf("agenda: zone for unknown region %q", r)
		}
		all[r] = z
	}
	locs := make(map[Region]*time.Location, len(all))
	for r, z := range all {
		loc, err := time.LoadLocation(z)
		if err != nil {
			return nil, fmt.Errorf("agenda: reference zone of %s: %w", r, err)
		}
		locs[r] = loc
	}
	return locs, nil
}

// Zone returns region r's reference time zone (Config.Zones), or UTC for
// an unknown region.
func (s *Service) Zone(r Region) *time.Location {
	if loc, ok := s.zones[r]; ok {
		return loc
	}
	return time.UTC
}
