package codegen_test

import (
	"fmt"

	"github.com/automat-rules/automat/compiler"
	"github.com/automat-rules/automat/compiler/bytecode"
	"github.com/automat-rules/automat/compiler/codegen"
)

func ExampleCompile() {
	src := `rule "paid" on order.paid when order.total >= 100 do log(text: "paid")`
	pkg, diags := compiler.Check([]compiler.Source{{Name: "a.rules", Src: []byte(src)}}, compiler.Config{})
	if diags.HasErrors() {
		panic(diags)
	}
	p, err := codegen.Compile(pkg)
	if err != nil {
		panic(err)
	}
	artifact := bytecode.Encode(p)
	q, err := bytecode.Decode(artifact)
	if err != nil {
		panic(err)
	}
	f := q.Fragments(0)[0]
	fmt.Println(f.Label+":", q.Compact(f.Start, f.End))
	// Output: cond: ifnum total <|null 100 2; rettrue; retfalse
}
