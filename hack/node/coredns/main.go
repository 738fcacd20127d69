// CoreDNS for the embedded node: cluster names from the API server (kubernetes) and the tests' hosts (hosts),
// nothing else. The forward and grpc plugins are deliberately not compiled in: no query can leave the machine.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/hosts"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/log"
)

// In the order of CoreDNS's plugin.cfg (the order a query passes the plugins), restricted to the ones above.
var directives = []string{"bind", "errors", "log", "cache", "hosts", "kubernetes"}

func init() {
	dnsserver.Directives = directives
}

func main() {
	coremain.Run()
}
