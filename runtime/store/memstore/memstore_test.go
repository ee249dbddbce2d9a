package memstore_test

import (
	"testing"

	"github.com/automat-rules/automat/runtime/store"
	"github.com/automat-rules/automat/runtime/store/memstore"
	"github.com/automat-rules/automat/runtime/store/storetest"
)

// TestConformance runs the store conformance suite on the memory store.
func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Factory{Open: func(*testing.T) store.Store { return memstore.New() }})
}
