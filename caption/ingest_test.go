package caption_test

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/majlis/majlis/caption"
)

func TestParseIngest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		query string
		body  string
		want  caption.Post
		field string // the field named in the error; "" when accepted
	}{
		{"Zoom's request", "id=123&ns=abc&seq=0&lang=en-US", "Hello everyone.", caption.Post{Seq: 0, Lang: "en", Text: "Hello everyone."}, ""},
		{"a speaker", "seq=7&lang=fr&speaker=%20Ana%20L%C3%B3pez%20", "Bonjour.", caption.Post{Seq: 7, Lang: "fr", Speaker: "Ana López", Text: "Bonjour."}, ""},
		{"no lang", "seq=1", "x", caption.Post{Seq: 1, Text: "x"}, ""},
		{"upper-case lang", "seq=1&lang=AR", "x", caption.Post{Seq: 1, Lang: "ar", Text: "x"}, ""},
		{"Arabic body", "seq=2&lang=ar", "مرحبًا بكم\r\n", caption.Post{Seq: 2, Lang: "ar", Text: "مرحبًا بكم"}, ""},
		{"CR LF, tabs and blank lines", "seq=3", "\r\n one\t two \r\n\r\n three \n", caption.Post{Seq: 3, Text: "one  two\nthree"}, ""},
		{"the largest seq", "seq=9007199254740991", "x", caption.Post{Seq: caption.MaxSeq, Text: "x"}, ""},
		{"1,000 characters", "seq=1", strings.Repeat("ش", 1000), caption.Post{Seq: 1, Text: strings.Repeat("ش", 1000)}, ""},
		{"8 lines", "seq=1", strings.Repeat("a\n", 8), caption.Post{Seq: 1, Text: strings.TrimSuffix(strings.Repeat("a\n", 8), "\n")}, ""},
		{"line separator is a line break", "seq=1", "a\u2028b", caption.Post{Seq: 1, Text: "a\nb"}, ""},
		{"next line is a line break", "seq=1", "a\u0085b", caption.Post{Seq: 1, Text: "a\nb"}, ""},

		{"no seq", "lang=en", "x", caption.Post{}, "seq"},
		{"empty seq", "seq=", "x", caption.Post{}, "seq"},
		{"negative seq", "seq=-1", "x", caption.Post{}, "seq"},
		{"plus sign", "seq=%2B1", "x", caption.Post{}, "seq"},
		{"seq beyond 2^53", "seq=9007199254740992", "x", caption.Post{}, "seq"},
		{"seq overflowing 64 bits", "seq=99999999999999999999", "x", caption.Post{}, "seq"},
		{"hex seq", "seq=0x10", "x", caption.Post{}, "seq"},
		{"seq twice", "seq=1&seq=2", "x", caption.Post{}, "seq"},
		{"country code", "seq=1&lang=e", "x", caption.Post{}, "lang"},
		{"three letters", "seq=1&lang=eng", "x", caption.Post{}, "lang"},
		{"lang twice", "seq=1&lang=en&lang=fr", "x", caption.Post{}, "lang"},
		{"a long lang", "seq=1&lang=en-" + strings.Repeat("a", 40), "x", caption.Post{}, "lang"},
		{"speaker with a newline", "seq=1&speaker=a%0Ab", "x", caption.Post{}, "speaker"},
		{"speaker too long", "seq=1&speaker=" + strings.Repeat("n", 201), "x", caption.Post{}, "speaker"},
		{"speaker not UTF-8", "seq=1&speaker=%FF", "x", caption.Post{}, "speaker"},
		{"empty body", "seq=1", "", caption.Post{}, "body"},
		{"blank body", "seq=1", " \r\n\t\n", caption.Post{}, "body"},
		{"1,001 characters", "seq=1", strings.Repeat("a", 1001), caption.Post{}, "body"},
		{"too many bytes", "seq=1", strings.Repeat("😀", 1100), caption.Post{}, "body"},
		{"9 lines", "seq=1", strings.Repeat("a\n", 9), caption.Post{}, "body"},
		{"not UTF-8", "seq=1", "caf\xe9", caption.Post{}, "body"},
		{"NUL", "seq=1", "a\x00b", caption.Post{}, "body"},
		{"escape", "seq=1", "a\x1b[31mb", caption.Post{}, "body"},
		{"C1 control", "seq=1", "a\u009bb", caption.Post{}, "body"},
		{"bidi isolate", "seq=1", "\u2067abc\u2069", caption.Post{}, "body"},
		{"bidi override", "seq=1", "a\u202eb", caption.Post{}, "body"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := caption.ParseIngest(q, []byte(tc.body))
			if tc.field == "" {
				if err != nil || !reflect.DeepEqual(got, tc.want) {
					t.Fatalf("ParseIngest = %+v, %v; want %+v", got, err, tc.want)
				}
				return
			}
			var ve *caption.ValidationError
			if !errors.As(err, &ve) || ve.Fields[tc.field] == "" || !errors.Is(err, caption.ErrInvalid) {
				t.Fatalf("ParseIngest = %+v, %v; want an error naming %q", got, err, tc.field)
			}
			if caption.CodeOf(err) != "invalid" || !strings.HasPrefix(err.Error(), "caption: ") {
				t.Fatalf("error %q code %q", err, caption.CodeOf(err))
			}
		})
	}
}

func TestSecretFrom(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header string
		query  string
		want   string // "" when ErrUnauthorized
	}{
		{"bearer", "Bearer mjc_abc", "", "mjc_abc"},
		{"bearer, any case", "bearer mjc_abc", "", "mjc_abc"},
		{"in the URL, as Zoom", "", "seq=1&token=mjc_abc", "mjc_abc"},
		{"both, agreeing", "Bearer mjc_abc", "token=mjc_abc", "mjc_abc"},
		{"both, disagreeing", "Bearer mjc_abc", "token=mjc_xyz", ""},
		{"twice in the URL", "", "token=mjc_abc&token=mjc_abc", ""},
		{"another scheme", "Basic bWpjOmFiYw==", "", ""},
		{"no credentials", "", "seq=1", ""},
		{"empty bearer", "Bearer ", "", ""},
		{"empty parameter", "", "token=", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q, _ := url.ParseQuery(tc.query)
			got, err := caption.SecretFrom(tc.header, q)
			if tc.want == "" {
				if !errors.Is(err, caption.ErrUnauthorized) {
					t.Fatalf("SecretFrom = %q, %v; want ErrUnauthorized", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("SecretFrom = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
