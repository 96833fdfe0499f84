package config

// Defaults and bounds of the generated phase (issue 18: cases derived from the schemas).
const (
	// DefaultGenerate is the generated cases per requirement of a default run: enough to reach
	// every string class and derived type over the run, few enough to keep the embedded run
	// under two seconds.
	DefaultGenerate = 30
	MaxGenerate     = 100000
	// DefaultGenerateSeed seeds the generated cases when neither --generate-seed nor the
	// runner's --seed names one: the same run sends the same cases.
	DefaultGenerateSeed      = 1
	DefaultGenerateShrink    = 200
	MaxGenerateShrink        = 100000
	DefaultGenerateMaxString = 4096
	MaxGenerateMaxString     = 1 << 20
	keyGenerate              = "generate"
	keyGenerateSeed          = "generate-seed"
	keyGenerateShrink        = "generate-shrink"
	keyGenerateMaxString     = "generate-max-string"
	keyGenerateSeeds         = "generate-seeds"
	// MaxGenerateSeeds bounds --generate-seeds.
	MaxGenerateSeeds = 1000
)

// generateSettings are the settings of the generated phase.
func generateSettings() []setting {
	return []setting{
		{key: keyGenerate, env: "CALLCONF_GENERATE", file: "generate",
			usage: "generated cases per requirement, `n` (0 turns the generated phase off)",
			field: fieldOf(func(c *Config) *int { return &c.Generate }, counted("off"), DefaultGenerate, checkRange("generated cases", 0, MaxGenerate))},
		{key: keyGenerateSeed, env: "CALLCONF_GENERATE_SEED", file: "generateSeed",
			usage: "`seed` of the generated cases (0: the runner's --seed if given, else a fixed seed)",
			field: fieldOf(func(c *Config) *int { return &c.GenerateSeed }, integer(), 0, nil)},
		{key: keyGenerateShrink, env: "CALLCONF_GENERATE_SHRINK", file: "generateShrink",
			usage: "extra requests `n` one failing generated case may spend on shrinking (0: no shrinking)",
			field: fieldOf(func(c *Config) *int { return &c.GenerateShrink }, integer(), DefaultGenerateShrink, checkRange("shrinking requests", 0, MaxGenerateShrink))},
		{key: keyGenerateMaxString, env: "CALLCONF_GENERATE_MAX_STRING", file: "generateMaxString",
			usage: "longest generated string, `n` characters",
			field: fieldOf(func(c *Config) *int { return &c.GenerateMaxString }, integer(), DefaultGenerateMaxString, checkRange("the longest generated string", 1, MaxGenerateMaxString))},
		{key: keyGenerateSeeds, env: "CALLCONF_GENERATE_SEEDS", file: "generateSeeds",
			usage: "draw the generated cases with `k` seeds in a row, from the generation seed on (--generate cases each)",
			field: fieldOf(func(c *Config) *int { return &c.GenerateSeeds }, integer(), 1, checkRange("generation seeds", 1, MaxGenerateSeeds))},
	}
}

// checkRange reports a whole number outside [lo, hi].
func checkRange(what string, lo, hi int) func(int, reportFunc) int {
	return func(n int, report reportFunc) int {
		if n < lo || n > hi {
			report("%s: %d is out of range: from %d to %d", what, n, lo, hi)
		}
		return n
	}
}

// EffectiveGenerateSeed is the seed the generated cases use: GenerateSeed, or
// DefaultGenerateSeed when it is 0.
func (c Config) EffectiveGenerateSeed() int {
	if c.GenerateSeed != 0 {
		return c.GenerateSeed
	}
	return DefaultGenerateSeed
}
