package diag

import (
	"errors"
	"testing"

	"github.com/automat-rules/automat/lang/token"
)

func TestRender(t *testing.T) {
	f := token.NewFile("shop/a.rules", []byte("rule \"x\"\nwhen stav = \"Vyřízena\" => 5\n"))
	d := Diagnostic{File: f, Span: token.Span{Start: 34, End: 36}, Severity: Error, Code: BadOperator,
		Message: `unknown operator "=>"; did you mean ">="?`}
	want := `shop/a.rules:2:24: error: unknown operator "=>"; did you mean ">="? [BadOperator]`
	if got := d.Error(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if e := d.End(); e.Line != 2 || e.Column != 26 {
		t.Errorf("End = %v", e)
	}
}

func TestList(t *testing.T) {
	f := token.NewFile("a.rules", []byte("abcdef"))
	g := token.NewFile("b.rules", []byte("abcdef"))
	l := List{
		{File: g, Span: token.Span{Start: 1, End: 2}, Message: "b1"},
		{File: f, Span: token.Span{Start: 3, End: 4}, Message: "a3", Severity: Warning},
		{File: f, Span: token.Span{Start: 1, End: 2}, Message: "a1"},
		{File: f, Span: token.Span{Start: 1, End: 2}, Message: "a1"},
	}
	l.RemoveDuplicates()
	var got []string
	for _, d := range l {
		got = append(got, d.Message)
	}
	if len(got) != 3 || got[0] != "a1" || got[1] != "a3" || got[2] != "b1" {
		t.Errorf("order = %v", got)
	}
	if !l.HasErrors() {
		t.Error("HasErrors = false")
	}
	var err error = l
	var dl List
	if !errors.As(err, &dl) || len(dl) != 3 {
		t.Error("List is not usable as an error")
	}
	if (List{}).Err() != nil {
		t.Error("empty List.Err() != nil")
	}
}

func TestCodeNames(t *testing.T) {
	for c := Code(1); c <= MaxCode; c++ {
		if int(c) >= len(names) || names[c] == "" {
			t.Errorf("code %d has no name", c)
		}
	}
	if got := Code(60000).String(); got != "Code60000" {
		t.Errorf("unknown code renders %q", got)
	}
}
