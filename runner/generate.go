package main

import "github.com/callconf/callconf/internal/config"

// seedGenerated gives the generated cases the run's --seed when one was given and
// --generate-seed was not: one seed then reproduces the whole run (the order of the specs and
// the cases generated). Without either, the cases use config.DefaultGenerateSeed, so the same
// run generates the same cases while Ginkgo's order still comes from the clock.
func seedGenerated(cfg config.Config, seed int64) config.Config {
	if seed != 0 && cfg.GenerateSeed == 0 {
		cfg.GenerateSeed = int(seed)
	}
	return cfg
}
