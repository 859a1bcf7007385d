// Package violation is what the domain packages' ValidationError types
// share: a set of fields that break a rule, keyed by JSON path
// ("title", "items[2].start"), each with why, and the one message that
// lists them. Each domain package keeps its own ValidationError type (so
// that errors.As tells them apart) and builds it with these functions.
//
// Message is goroutine-safe; Add writes to the map it is given.
package violation

import (
	"fmt"
	"slices"
	"strings"
)

// Error is what every domain package's ValidationError implements: the
// fields that break a rule, each with why, so that one caller (the API's
// error mapping, a form) reads them one way whatever the package:
//
//	var ve violation.Error
//	if errors.As(err, &ve) { fields := ve.Violations() … }
type Error interface {
	error
	// Violations returns the fields that break a rule (JSON path → why).
	Violations() map[string]string
}

// Add records why field breaks a rule, unless it already has a reason:
// the first message per field wins.
func Add(set map[string]string, field, format string, args ...any) {
	if _, ok := set[field]; !ok {
		set[field] = fmt.Sprintf(format, args...)
	}
}

// Message returns "<pkg>: invalid: <field>: <why>; …", the fields in
// sorted order.
func Message(pkg string, fields map[string]string) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + fields[k]
	}
	return pkg + ": invalid: " + strings.Join(parts, "; ")
}
