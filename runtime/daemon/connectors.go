package daemon

// This file connects the action worker to the connectors of
// runtime/action (e-mail, SMS, webhooks, Shoptet, REST) configured in the
// `connectors:` section.

import (
	"context"

	"github.com/automat-rules/automat/runtime/action"
)

// shopRequests are actions of the standard schema that ask the shop
// system to do something (SPEC §1.6) without a built-in connector: with a
// REST connector of the same name they are sent; without one they are
// stored in the action queue by the outbox, visible at /v1/actions, for
// the shop's own integration to pick up.
var shopRequests = map[string]bool{"mark_shipped": true, "cancel_order": true, "allow_delivery": true}

// connectors performs a tenant's outside actions with the configured
// connectors. An action no connector performs fails for good ("no
// connector performs this action"), except the shop requests, which go to
// the outbox.
type connectors struct {
	set    *action.Set
	outbox *Outbox
}

// Perform implements Connector.
func (c *connectors) Perform(ctx context.Context, r *Request) Result {
	if name := r.Action.Name; !c.set.Has(name) && shopRequests[name] {
		return c.outbox.Perform(ctx, r)
	}
	res := c.set.Perform(ctx, &action.Request{Action: r.Action, Record: r.Record})
	return Result{Class: classOf(res.Class), Err: res.Err, Output: res.Output, Value: res.Value, RetryAfter: res.RetryAfter}
}

// classOf maps runtime/action's classes to the worker's.
func classOf(c action.Class) Class {
	switch c {
	case action.OK:
		return OK
	case action.Transient:
		return Transient
	case action.Permanent:
		return Permanent
	}
	return Unknown // not resent on its own: the safe reading of anything else
}

// missingConnectors returns those of a ruleset's outside actions that no
// connector of set performs: they would fail.
func missingConnectors(set *action.Set, outside []string) []string {
	var out []string
	for _, n := range outside {
		if !set.Has(n) && !shopRequests[n] {
			out = append(out, n)
		}
	}
	return out
}
