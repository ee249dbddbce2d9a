package format_test

import (
	"fmt"

	"github.com/automat-rules/automat/lang/format"
	"github.com/automat-rules/automat/lang/parser"
)

func ExampleSource() {
	src := []byte(`rule "odbiór" # Balíkobot
when shipment.status=ready_for_pickup and order.buyer.phone is not null once do
sms(to:order.buyer.phone,text:"Zásilka {shipment.tracking_number} čeká.")
`)
	out, diags := format.Source("shop.rules", src)
	if diags.HasErrors() {
		fmt.Println(diags)
		return
	}
	fmt.Print(string(out))
	// Output:
	// rule "odbiór" # Balíkobot
	// when shipment.status = ready_for_pickup and order.buyer.phone is not null once
	// do
	//   sms(to: order.buyer.phone, text: "Zásilka {shipment.tracking_number} čeká.")
}

func ExampleSource_syntaxError() {
	_, diags := format.Source("shop.rules", []byte("when order.total => 100 do log(text: \"x\")\n"))
	fmt.Println(diags.HasErrors())
	// Output:
	// true
}

func ExampleFile() {
	f, _ := parser.ParseFile("shop.rules", []byte("when order.total>100 do log(text:\"big\")"))
	fmt.Print(string(format.File(f)))
	// Output:
	// when order.total > 100 do log(text: "big")
}
