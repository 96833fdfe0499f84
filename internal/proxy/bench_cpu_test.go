package proxy

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// cpuTimes is the CPU time (user and system) used so far by this process ("bench") and by the
// processes named in CALLCONF_BENCH_TARGET_PID and CALLCONF_BENCH_PROXY_PID ("target",
// "proxy"), where the platform tells (Linux's /proc); absent where it does not.
type cpuTimes map[string]time.Duration

func readCPU() cpuTimes {
	out := cpuTimes{}
	for name, pid := range map[string]string{"bench": "self", "target": os.Getenv("CALLCONF_BENCH_TARGET_PID"), "proxy": os.Getenv("CALLCONF_BENCH_PROXY_PID")} {
		if d, ok := procCPU(pid); ok {
			out[name] = d
		}
	}
	return out
}

// sub is the CPU time used between then and c.
func (c cpuTimes) sub(then cpuTimes) cpuTimes {
	out := cpuTimes{}
	for k, v := range c {
		if w, ok := then[k]; ok {
			out[k] = v - w
		}
	}
	return out
}

// procCPU reads utime+stime of a process from /proc/PID/stat, in clock ticks of 10 ms (the
// USER_HZ of every Linux platform Go supports).
func procCPU(pid string) (time.Duration, bool) {
	if pid == "" {
		return 0, false
	}
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, false
	}
	// The command name (field 2) may hold spaces: count fields after its closing parenthesis.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	st, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(ut+st) * 10 * time.Millisecond, true
}
