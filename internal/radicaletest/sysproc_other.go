//go:build !linux

package radicaletest

import "syscall"

// sysProcAttr: outside Linux there is no parent-death signal; Close and
// test cleanups stop the servers.
func sysProcAttr() *syscall.SysProcAttr { return nil }
