package main

import (
	"fmt"
	"net"
	"os"
	"syscall"
)

// samePeer refuses a peer that is not this process's user, by the
// credentials the kernel gives (SO_PEERCRED), whatever the file mode.
func samePeer(conn *net.UnixConn) error {
	raw, err := conn.SyscallConn()
	if err != nil {
		return err
	}
	var cred *syscall.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil {
		return err
	}
	if credErr != nil {
		return credErr
	}
	if int(cred.Uid) != os.Getuid() {
		return fmt.Errorf("peer uid %d is not the service's (%d)", cred.Uid, os.Getuid())
	}
	return nil
}
