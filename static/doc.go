// Package static holds the web assets and page templates, embedded into the
// binary so that pages never load anything from a third party.
package static
