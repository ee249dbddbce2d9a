package grammar

import "testing"

func TestBuild(t *testing.T) {
	if _, err := Build(); err != nil {
		t.Fatal(err)
	}
}
