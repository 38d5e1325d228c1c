// Command permsync keeps the rights to an organization's GitHub repositories as code.
package main

import (
	"os"

	"github.com/AcademySoftwareFoundation/permsync/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.System()))
}
