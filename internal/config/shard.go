package config

import (
	"fmt"
	"strconv"
	"strings"
)

// MaxShards bounds N in --shard I/N: far more machines than a suite has specs run nothing.
const MaxShards = 1000

// ParseShard reads --shard's "I/N" (this run is share I, 1-based, of N); "" is the whole run
// (0, 0).
func ParseShard(s string) (index, total int, err error) {
	if s == "" {
		return 0, 0, nil
	}
	i, n, ok := strings.Cut(s, "/")
	index, err1 := strconv.Atoi(strings.TrimSpace(i))
	total, err2 := strconv.Atoi(strings.TrimSpace(n))
	switch {
	case !ok || err1 != nil || err2 != nil:
		return 0, 0, fmt.Errorf("%q is not I/N (this run's share I of N shards, e.g. 1/3)", s)
	case total < 1 || total > MaxShards:
		return 0, 0, fmt.Errorf("%q: the number of shards N must be from 1 to %d", s, MaxShards)
	case index < 1 || index > total:
		return 0, 0, fmt.Errorf("%q: the shard I must be from 1 to N (%d); shards count from 1 (Kubernetes' JOB_COMPLETION_INDEX counts from 0: add 1)", s, total)
	}
	return index, total, nil
}

// ShardOf is the run's shard (index, total), or (0, 0) for a whole run; Load has checked it.
func (c Config) ShardOf() (index, total int) {
	index, total, _ = ParseShard(c.Shard)
	return index, total
}

func checkShard(s string, report reportFunc) string {
	if _, _, err := ParseShard(s); err != nil {
		report("%v", err)
	}
	return s
}
