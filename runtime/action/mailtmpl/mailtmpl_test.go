package mailtmpl_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/automat-rules/automat/runtime/action/mailtmpl"
)

func lookup(m map[string]string) mailtmpl.Lookup {
	return func(p string) (string, bool) {
		v, ok := m[p]
		return v, ok
	}
}

func TestRenderEscapesHTMLOnly(t *testing.T) {
	tm, err := mailtmpl.Parse("t",
		"Order {order.number}\n{x}",
		"Hi {order.buyer.name}, {{literal}} {x}",
		`<p title="{x}">{order.buyer.name}</p>{{ {x} }}`)
	if err != nil {
		t.Fatal(err)
	}
	m, err := tm.Render(lookup(map[string]string{
		"order.number": "7\r\nBcc: evil@example.com", "order.buyer.name": `<script>alert("x")</script> & 'co'`, "x": `"q"`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	if want := `Order 7  Bcc: evil@example.com "q"`; m.Subject != want {
		t.Errorf("subject %q, want %q", m.Subject, want)
	}
	if want := `Hi <script>alert("x")</script> & 'co', {literal} "q"`; m.Text != want {
		t.Errorf("text %q, want %q", m.Text, want)
	}
	if want := `<p title="&#34;q&#34;">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;co&#39;</p>{ &#34;q&#34; }`; m.HTML != want {
		t.Errorf("html %q, want %q", m.HTML, want)
	}
}

func TestPlaceholders(t *testing.T) {
	tm, err := mailtmpl.Parse("t", "{ a.b }", "x {c} {a.b}", "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range tm.Placeholders() {
		got = append(got, fmt.Sprintf("%s:%s@%d-%d", p.Part, p.Path, p.Start, p.End))
	}
	if want := "subject:a.b@0-7 text:c@2-5 text:a.b@6-11"; strings.Join(got, " ") != want {
		t.Errorf("placeholders %s, want %s", strings.Join(got, " "), want)
	}
	if got := strings.Join(tm.Paths(), " "); got != "a.b c" {
		t.Errorf("paths %s", got)
	}
}

func TestMissingValues(t *testing.T) {
	tm, _ := mailtmpl.Parse("pickup", "{a}", "{b} {a} {c}", "")
	_, err := tm.Render(lookup(map[string]string{"b": ""}))
	var me *mailtmpl.MissingError
	if !errors.As(err, &me) || err.Error() != "template pickup: no value for {a}, {c}" {
		t.Fatalf("error %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"a { b", "template t: text part, byte 2: unclosed { (write {{ for a literal brace)"},
		{"a } b", "template t: text part, byte 2: a lone } (write }} for a literal brace)"},
		{"a {1x} b", "template t: text part, byte 2: {1x} is not a path like {order.number}"},
		{"a {b..c} b", "template t: text part, byte 2: {b..c} is not a path like {order.number}"},
		{"a {b\n}", "template t: text part, byte 2: unclosed { (write {{ for a literal brace)"},
	} {
		if _, err := mailtmpl.Parse("t", "", c.text, ""); err == nil || err.Error() != c.want {
			t.Errorf("%q: %v, want %s", c.text, err, c.want)
		}
	}
	if _, err := mailtmpl.Parse("t", "s", "", ""); err == nil {
		t.Error("a template without a body")
	}
}

func TestLoad(t *testing.T) {
	fsys := fstest.MapFS{
		"templates/pickup_ready.txt":  {Data: []byte("Subject: Zásilka {shipment.tracking_number}\r\n\r\nDobrý den {order.buyer.name}\r\n")},
		"templates/pickup_ready.html": {Data: []byte("<p>{order.buyer.name}</p>")},
		"templates/html_only.html":    {Data: []byte("subject:  Hi {x}  \n\n<b>{y}</b>")},
		"templates/notes.md":          {Data: []byte("ignored")},
	}
	set, err := mailtmpl.Load(fsys, "templates")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(set.Names(), " "); got != "html_only pickup_ready" {
		t.Fatalf("names %s", got)
	}
	tm := set.Get("pickup_ready")
	m, err := tm.Render(lookup(map[string]string{"shipment.tracking_number": "DR1", "order.buyer.name": "Jan & Eva"}))
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Zásilka DR1" || m.Text != "Dobrý den Jan & Eva\n" || m.HTML != "<p>Jan &amp; Eva</p>" {
		t.Errorf("rendered %+v", m)
	}
	var got []string
	for _, p := range tm.Placeholders() {
		got = append(got, fmt.Sprintf("%s %s %s %d-%d", p.File, p.Part, p.Path, p.Start, p.End))
	}
	want := []string{
		"templates/pickup_ready.txt subject shipment.tracking_number 18-44",
		"templates/pickup_ready.txt text order.buyer.name 59-77",
		"templates/pickup_ready.html html order.buyer.name 3-21",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("placeholders\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The offsets point at the placeholders in the files.
	src := string(fsys["templates/pickup_ready.txt"].Data)
	if src[18:44] != "{shipment.tracking_number}" || src[59:77] != "{order.buyer.name}" {
		t.Errorf("offsets do not match the file: %q %q", src[18:44], src[59:77])
	}
	if m, _ := set.Get("html_only").Render(lookup(map[string]string{"x": "A", "y": "<B>"})); m.Subject != "Hi A" || m.Text != "" || m.HTML != "<b>&lt;B&gt;</b>" {
		t.Errorf("html only: %+v", m)
	}

	empty, err := mailtmpl.Load(fsys, "nope")
	if err != nil || len(empty.Names()) != 0 {
		t.Errorf("missing folder: %v", err)
	}
	_, err = mailtmpl.Load(fstest.MapFS{
		"t/a.txt":  {Data: []byte("Subject: one\n\nx")},
		"t/a.html": {Data: []byte("Subject: two\n\nx")},
	}, "t")
	if err == nil || err.Error() != "template a: t/a.txt and t/a.html have different subjects; keep one" {
		t.Errorf("two subjects: %v", err)
	}
	_, err = mailtmpl.Load(fstest.MapFS{"t/a.txt": {Data: []byte("Subject: x\n\nbad {")}}, "t")
	if err == nil || err.Error() != "t/a.txt: byte 16: unclosed { (write {{ for a literal brace)" {
		t.Errorf("bad file: %v", err)
	}
	var nilSet *mailtmpl.Set
	if nilSet.Get("x") != nil || nilSet.Names() != nil {
		t.Error("nil set")
	}
}

func ExampleTemplate_Render() {
	t, _ := mailtmpl.Parse("paid",
		"Order {order.number} is paid",
		"Thank you, {order.buyer.name}.",
		"<p>Thank you, {order.buyer.name}.</p>")
	m, _ := t.Render(func(path string) (string, bool) {
		v, ok := map[string]string{"order.number": "2024-7", "order.buyer.name": "Tom & Jerry"}[path]
		return v, ok
	})
	fmt.Println(m.Subject)
	fmt.Println(m.Text)
	fmt.Println(m.HTML)
	fmt.Println(t.Paths())
	// Output:
	// Order 2024-7 is paid
	// Thank you, Tom & Jerry.
	// <p>Thank you, Tom &amp; Jerry.</p>
	// [order.buyer.name order.number]
}
