// Command permsync keeps the rights to an organization's GitHub repositories as code.
package main

import (
	"os"

	"github.com/AcademySoftwareFoundation/permsync/internal/cli"
)

func main() {
	// The process may hold a GitHub App key or a token from its first
	// instruction (the environment): no core dump, and no other process of
	// the same user may attach to it or read its memory.
	undumpable()
	os.Exit(cli.Main(os.Args[1:], cli.System()))
}
