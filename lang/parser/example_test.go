package parser_test

import (
	"fmt"
	"os"

	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/parser"
)

func ExampleParseFile() {
	src := []byte(`rule "pickup ready"
when shipment.status = "ready_for_pickup" once
do
  sms(to: order.buyer.phone, text: "Parcel {shipment.tracking_number} is ready")

rule "broken" when order.total => 100 do log(text: "big")
rule "half-typed" when order.
`)
	f, diags := parser.ParseFile("shop.rules", src)
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.RuleDecl:
			fmt.Printf("rule %s with %d statement(s)\n", d.Name.Value, len(d.Body))
		case *ast.BadDecl:
			fmt.Printf("broken %s %s\n", d.Keyword, d.Name.Value)
		}
	}
	for _, d := range diags {
		fmt.Println(d.Error())
	}
	// Output:
	// rule pickup ready with 1 statement(s)
	// rule broken with 1 statement(s)
	// broken rule half-typed
	// shop.rules:6:32: error: unknown operator "=>"; did you mean ">="? [BadOperator]
	// shop.rules:7:29: error: expected a field name after "." [BadSyntax]
}

func ExampleParseExpr() {
	x, diags := parser.ParseExpr("cond", []byte(`not order.total + 1 * 2 > 5 or order.notes is not empty`))
	if len(diags) > 0 {
		fmt.Println(diags)
		return
	}
	ast.Dump(os.Stdout, nil, x)
	// Output:
	// BinaryExpr "or"
	//   X: UnaryExpr not
	//     X: BinaryExpr ">"
	//       X: BinaryExpr "+"
	//         X: PathExpr order.total
	//         Y: BinaryExpr "*"
	//           X: NumberLit 1
	//           Y: NumberLit 2
	//       Y: NumberLit 5
	//   Y: IsExpr is not empty
	//     X: PathExpr order.notes
}
