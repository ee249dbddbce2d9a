package main

import (
	"flag"
	"fmt"

	"github.com/automat-rules/automat/runtime/daemon"
)

// storeFlags select a store for the commands that only need one (migrate,
// log): --store URL, or the store of --config FILE.
type storeFlags struct {
	config, store *string
}

func addStoreFlags(fs *flag.FlagSet) *storeFlags {
	return &storeFlags{
		config: fs.String("config", "", "the configuration `file` whose store to use"),
		store:  fs.String("store", "", "the store `url` (overrides the file's)"),
	}
}

// resolve returns the store URL and the configuration (nil without
// --config).
func (f *storeFlags) resolve() (string, *daemon.Config, error) {
	var cfg *daemon.Config
	if *f.config != "" {
		c, err := daemon.LoadConfig(*f.config)
		if err != nil {
			return "", nil, err
		}
		cfg = c
	}
	switch {
	case *f.store != "":
		return *f.store, cfg, nil
	case cfg != nil:
		return cfg.StoreURL(), cfg, nil
	}
	return "", nil, fmt.Errorf("give --config FILE or --store URL")
}
