package static

import "embed"

// FS holds assets/, templates/ and i18n/.
//
//go:embed assets templates i18n
var FS embed.FS
