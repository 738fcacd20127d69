#!/usr/bin/env bash
# A sandbox per tool call on the real node (issue 14): ROUND_TRIPS round trips, one after the other, of
# open (create an AgentSandbox through the client library, wait until Ready) -> exec `true` in its agent container
# -> close (delete, wait until the AgentSandbox is gone), with the operator installed by the chart as
# hack/run-local.sh does, cold (a sandbox of a spec) and then warm (a sandbox of a template whose AgentSandboxPool
# holds ROUND_TRIPS ready pods). Prints the median (p50), min and max of each step and of the whole round trip.
#
#   bench/tool-call-roundtrip.sh                    # ROUND_TRIPS=5; needs what the node tests need (root, Linux)
#   bench/tool-call-roundtrip.sh -DskipImages       # more Maven arguments: reuse the images already built
#
# It runs SandboxClientOnNodeIT (operator/src/test/java/.../node/) with -Dagentsandbox.bench.roundtrips; the table
# is also written to operator/target/bench/tool-call-roundtrip.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUND_TRIPS="${ROUND_TRIPS:-5}"
./mvnw -B -pl client,operator -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
    -Dit.test=SandboxClientOnNodeIT -Dagentsandbox.bench.roundtrips="$ROUND_TRIPS" "$@"
cat operator/target/bench/tool-call-roundtrip.md
