// Package static holds the web assets, page templates and message
// catalogs, embedded into the binary so that pages never load anything
// from a third party and a deployment is one file.
//
//   - assets/: CSS, JavaScript and images served under /assets/.
//   - templates/: html/template files; layout.html defines the page frame
//     and each page template fills its "content" block.
//   - i18n/: one flat JSON catalog per interface language (ISO 639-1 code
//     as the file name), key → message. Every catalog has the same keys (a
//     test enforces it); messages use {name} placeholders.
//
// The package has no code beyond the embedded file system; it is
// read-only and safe for concurrent use.
package static
