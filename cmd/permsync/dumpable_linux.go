package main

import "syscall"

// prSetDumpable is PR_SET_DUMPABLE from <linux/prctl.h>.
const prSetDumpable = 4

// undumpable clears the dumpable flag: no core file, /proc/self/mem and
// /proc/self/environ become readable by root only, and ptrace by the same
// user is refused. A failure is not fatal: the key is no worse off than
// it was.
func undumpable() {
	_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, prSetDumpable, 0, 0)
}
