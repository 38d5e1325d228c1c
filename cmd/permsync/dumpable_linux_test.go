package main

import (
	"syscall"
	"testing"
)

const prGetDumpable = 3

// TestUndumpable: after undumpable the process is not dumpable (ptrace by
// the same user, /proc/self/mem and core files are refused).
func TestUndumpable(t *testing.T) {
	dumpable := func() uintptr {
		r, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prGetDumpable, 0, 0)
		if errno != 0 {
			t.Fatalf("prctl(PR_GET_DUMPABLE): %v", errno)
		}
		return r
	}
	if dumpable() == 0 {
		t.Skip("the test process is already not dumpable")
	}
	undumpable()
	if d := dumpable(); d != 0 {
		t.Fatalf("still dumpable (%d)", d)
	}
}
