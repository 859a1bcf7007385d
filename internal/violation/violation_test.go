package violation_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/majlis/majlis/ballot"
	"github.com/majlis/majlis/institution"
	"github.com/majlis/majlis/internal/violation"
)

func TestAddAndMessage(t *testing.T) {
	tests := []struct {
		name string
		add  [][2]string // field, why
		want string
	}{
		{"sorted by field", [][2]string{{"title", "required"}, {"end", "before start"}}, "agenda: invalid: end: before start; title: required"},
		{"the first reason wins", [][2]string{{"title", "required"}, {"title", "too long"}}, "agenda: invalid: title: required"},
		{"none", nil, "agenda: invalid: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := map[string]string{}
			for _, a := range tt.add {
				violation.Add(set, a[0], "%s", a[1])
			}
			if got := violation.Message("agenda", set); got != tt.want {
				t.Errorf("Message = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestDomainErrorsReadOneWay: the domain packages' ValidationError types,
// wrapped or not, are read through violation.Error alike.
func TestDomainErrorsReadOneWay(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"institution", &institution.ValidationError{Fields: map[string]string{"country": "bad"}}},
		{"ballot, wrapped", fmt.Errorf("room: %w", &ballot.ValidationError{Fields: map[string]string{"country": "bad"}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ve violation.Error
			if !errors.As(tt.err, &ve) || ve.Violations()["country"] != "bad" {
				t.Fatalf("%v is not read as a violation.Error", tt.err)
			}
		})
	}
}
