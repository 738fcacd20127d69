// The sandbox ("pause") image's only program: holds a pod's namespaces, reaps orphans, exits on a signal.
// A Go twin of Kubernetes' build/pause/linux/pause.c, so no C toolchain is needed to build the image offline.
module agentsandbox.dev/hack/node/pause

go 1.22
