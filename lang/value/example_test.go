package value_test

import (
	"fmt"

	"github.com/automat-rules/automat/lang/value"
)

func ExampleParseDecimal() {
	a, _ := value.ParseDecimal("0.1")
	b, _ := value.ParseDecimal("0.2")
	sum, _ := a.Add(b)
	price, _ := value.ParseDecimal("99.90")
	total, _ := price.Mul(value.FromInt(3))
	third, _ := value.FromInt(1).Div(value.FromInt(3))
	fmt.Println(sum, total, third, price.Cmp(value.MustParseDecimal("99.9")))
	// Output: 0.3 299.70 0.3333333333 0
}

func ExampleParseDuration() {
	d, _ := value.ParseDuration("1d12h")
	fmt.Println(d, value.FormatDuration(d))
	// Output: 36h0m0s 1d12h
}
