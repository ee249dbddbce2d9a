package engine

// This file says which actions the engine performs itself and which go to
// a connector (an outside system) through the action queue.

// actionKind is how the engine performs an action.
type actionKind uint8

const (
	// external actions are performed by a connector: queued durably and
	// awaited (the daemon), or only reported (a dry run).
	external actionKind = iota
	// note actions (log, comment, notify, task) are stored: their log
	// entry (and, in the daemon, their done row in the action queue) is
	// the effect.
	note
	// change actions change a record's snapshot and produce an event
	// (chaining, SPEC §1.5).
	change
	// generateCode draws from the tenant's sequence.
	generateCode
)

// kindOf classifies the action called name. Unknown names (actions a
// ruleset declares itself, shop connectors) are external.
func kindOf(name string) actionKind {
	switch name {
	case "log", "comment", "notify", "task":
		return note
	case "set_status", "set_shipment_status", "set_responsible", "mark_paid":
		return change
	case "generate_code":
		return generateCode
	}
	return external
}

// recordChange is what a change action does to a record: which record
// (the subject's own type or its order), which field gets which value,
// and the type of the event it produces.
type recordChange struct {
	target string // record type changed: "order" or "shipment"
	field  string
	value  string // "" when the value is the action's first argument
	event  string // event name produced, e.g. "order.updated"
}

// changeOf returns what the change action called name does.
func changeOf(name string) recordChange {
	switch name {
	case "set_status":
		return recordChange{target: "order", field: "status", event: "order.updated"}
	case "set_shipment_status":
		return recordChange{target: "shipment", field: "status", event: "shipment.updated"}
	case "set_responsible":
		return recordChange{target: "order", field: "responsible", event: "order.updated"}
	case "mark_paid":
		return recordChange{target: "order", field: "paid", value: "paid", event: "order.paid"}
	}
	panic("engine: not a change action: " + name)
}
