#!/usr/bin/env bash
# The C compiler the builder runs (-H:CCompilerPath). When it links the image, it adds the JVM_* functions of
# libjvm.a to the builder's version script: the JDK's shared libraries bind their JVM_* calls to the image's own,
# which the script's "local: *" would otherwise hide (they would reach the stub libjvm.so and abort).
set -euo pipefail
exports=${NATIVE_JVM_EXPORTS:?}
for arg in "$@"; do
  case "$arg" in
    -Wl,--version-script,*)
      script=${arg#-Wl,--version-script,}
      if ! grep -q '"JVM_' "$script"; then
        { sed '/local: \*;/,$d' "$script"; sed 's/.*/"&";/' "$exports"; echo 'local: *;'; echo '};'; } >"$script.new"
        mv "$script.new" "$script"
      fi
      ;;
  esac
done
exec gcc "$@"
