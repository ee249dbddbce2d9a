package scanner

import (
	"fmt"
	"strings"
	"testing"
)

func render(toks []Token) string {
	var b strings.Builder
	for _, t := range toks {
		fmt.Fprintf(&b, "%s %q %d-%d\n", t.Kind, t.Text, t.Span.Start, t.Span.End)
	}
	return b.String()
}

func TestScan(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"rule", `when order.total >= 99.90 do`, `Keyword "when" 0-4
Ident "order" 5-10
Punct "." 10-11
Ident "total" 11-16
Punct ">=" 17-19
Number "99.90" 20-25
Keyword "do" 26-28
EOF "" 28-28
`},
		{"czech ident and string", "\"Vyřízena\" -> completed # hotovo", `String "\"Vyřízena\"" 0-12
Punct "->" 13-15
Ident "completed" 16-25
Comment "# hotovo" 26-34
EOF "" 34-34
`},
		{"durations", "wait 1d12h wait 30s", `Keyword "wait" 0-4
Duration "1d12h" 5-10
Keyword "wait" 11-15
Duration "30s" 16-19
EOF "" 19-19
`},
		{"bad numbers", "5x 1.5h 3d2", `BadNumber "5x" 0-2
BadNumber "1.5h" 3-7
BadNumber "3d2" 8-11
EOF "" 11-11
`},
		{"foreign operators", "a => b == c && !d", `Ident "a" 0-1
Invalid "=>" 2-4
Ident "b" 5-6
Invalid "==" 7-9
Ident "c" 10-11
Invalid "&&" 12-14
Invalid "!" 15-16
Ident "d" 16-17
EOF "" 17-17
`},
		{"unterminated string stops at newline", "\"abc\nrule", `BadString "\"abc" 0-4
Keyword "rule" 5-9
EOF "" 9-9
`},
		{"escaped quote", `"a\"b" // c`, `String "\"a\\\"b\"" 0-6
Comment "// c" 7-11
EOF "" 11-11
`},
		{"polish ident with digits", "żółw_2 ąę", `Ident "żółw_2" 0-9
Ident "ąę" 10-14
EOF "" 14-14
`},
		{"invalid rune is whole", "a € b", `Ident "a" 0-1
Invalid "€" 2-5
Ident "b" 6-7
EOF "" 7-7
`},
		{"type names are not keywords", "number list string", `Ident "number" 0-6
Ident "list" 7-11
Ident "string" 12-18
EOF "" 18-18
`},
		{"crlf comment", "# x\r\nrule", `Comment "# x" 0-3
Keyword "rule" 5-9
EOF "" 9-9
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := render(Scan(tt.src)); got != tt.want {
				t.Errorf("Scan(%q):\n%s\nwant:\n%s", tt.src, got, tt.want)
			}
		})
	}
}

func TestReplacement(t *testing.T) {
	for op, want := range map[string]string{"=>": ">=", "==": "=", "<>": "!=", "&&": "and", "||": "or", "!": "not", "=<": "<="} {
		if got, ok := Replacement(op); !ok || got != want {
			t.Errorf("Replacement(%q) = %q, %v; want %q", op, got, ok, want)
		}
	}
	if _, ok := Replacement("$"); ok {
		t.Error("Replacement($) should not exist")
	}
}

// FuzzScan checks the scanner is total: tokens tile the input in order,
// only whitespace lies between them, and it ends with one EOF.
func FuzzScan(f *testing.F) {
	for _, s := range []string{"rule \"x\" when a.b = 1 do c()", "\"unterminated", "5x => ř", "# c\n// d", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		toks := Scan(src)
		if len(toks) == 0 || toks[len(toks)-1].Kind != EOF {
			t.Fatal("no EOF token")
		}
		prev := 0
		for _, tok := range toks {
			s, e := int(tok.Span.Start), int(tok.Span.End)
			if s < prev || e < s || e > len(src) {
				t.Fatalf("bad span %d-%d after %d", s, e, prev)
			}
			if tok.Kind != EOF && s == e {
				t.Fatalf("empty %s token at %d", tok.Kind, s)
			}
			if strings.TrimSpace(src[prev:s]) != "" && !strings.ContainsAny(src[prev:s], "\u00a0\ufeff") {
				t.Fatalf("skipped non-space %q", src[prev:s])
			}
			if tok.Text != src[s:e] {
				t.Fatalf("text %q != source %q", tok.Text, src[s:e])
			}
			prev = e
		}
	})
}
