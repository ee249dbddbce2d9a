// Package runtime will hold the VM, the engine semantics, the stores and
// the actions of Automat (issues 4 to 8). It is empty until then.
package runtime
