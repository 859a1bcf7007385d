package radicaletest

import "syscall"

// sysProcAttr makes the kernel kill radicale when the test binary
// dies (a test timeout, a panic), so no server outlives its tests.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
