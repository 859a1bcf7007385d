// Package usertext is the one rule for text that people type into majlis:
// display names, chat messages and captions, titles, descriptions,
// locations and speakers' names, and the same texts read from or written
// to iCalendar files.
//
// A text has a Form: a Line (a name, a title, a location) holds one line;
// a Block (a description, a chat message) may hold line breaks and tabs.
// The rule, in both forms:
//
//   - Length counts characters (runes) after normalisation, never bytes.
//   - Invalid UTF-8 is replaced by U+FFFD; the text is put in Unicode
//     normalisation form C; CR LF, a lone CR, NEL (U+0085), LINE SEPARATOR
//     (U+2028) and PARAGRAPH SEPARATOR (U+2029) are written as one LF (what
//     Windows clients and calendar files send); surrounding white space is
//     trimmed. This is Normalize: it never changes what a reader sees.
//   - Control characters (Unicode category Cc: C0, DEL and C1) are not text;
//     TAB and LF are allowed in a Block only.
//   - The bidirectional embeddings, overrides and isolates (U+202A–U+202E,
//     U+2066–U+2069) are not allowed: one of them can make "gnp.exe" show as
//     "exe.png" or reorder a title around it ("Trojan Source",
//     CVE-2021-42574). The marks LRM (U+200E), RLM (U+200F) and ALM
//     (U+061C) stay: they are how Arabic text places a Latin word or a
//     number, and they cannot reorder anything beyond a neutral character.
//     Joiners (ZWJ U+200D, ZWNJ U+200C) stay too: Arabic and Persian words
//     and emoji sequences need them.
//
// Two ways to apply it. Where the sender can correct the text (an API
// field), Problem says what is wrong and the caller refuses it (HTTP 422
// naming the field). Where nobody can (a chat line, a display name, an
// imported calendar, a feed being written), Clean removes what the rule
// forbids and, in a Line, turns line breaks and tabs into spaces.
//
// Concurrency: every function is pure and goroutine-safe.
package usertext
