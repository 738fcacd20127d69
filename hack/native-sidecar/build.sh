#!/usr/bin/env bash
# Exploratory (issue 18): build the sidecar jar as a GraalVM native image without a GraalVM distribution, from the
# builder's Maven artifacts (org.graalvm.nativeimage:svm and its dependencies) run on a plain JDK 25 that has JVMCI
# (Temurin 25). Not wired into the image or CI: BENCHMARKS.md ("A native image of the sidecar") says how far it got
# and what stands in the way.
#
# What a distribution has and Maven Central does not, and what this script puts in its place:
#   - the driver (`native-image`): the builder is started directly (NativeImageGeneratorRunner) with the module
#     path, exports and system properties the driver would pass;
#   - the JDK's static libraries (lib/static/linux-amd64/glibc/lib{java,nio,net,zip}.a): nowhere to be had here
#     (no registry serves OpenJDK's C sources or a static-libs build). Empty archives pass the builder's check; the
#     image links the JDK's shared libraries instead (copied beside the binary, found through its rpath), with a
#     stub libjvm.so that only satisfies their DT_NEEDED: the image exports the JVM_* functions they call;
#   - the builder's C helpers (lib/svm/clibraries: libjvm.a, liblibchelper.a): compiled from the substratevm
#     sources named by SVM_NATIVE_SRC (a checkout of GraalVM's substratevm/src; not on any registry here either),
#     and their headers, which the builder compiles queries against, generated from the builder's own classes;
#   - libreporterchelper.so (the progress reporter's JNI helper): reporterchelper.c beside this script.
#
# Usage: SVM_NATIVE_SRC=/path/to/substratevm/src hack/native-sidecar/build.sh [out-dir]
# Needs: JDK25 (default /usr/lib/jvm/temurin-25-jdk-amd64), gcc, zlib1g-dev, a built bridge-sidecar jar.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:-$repo/bridge-sidecar/target/native}
shift || true
jdk=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
svm_version=${SVM_VERSION:-25.0.2}   # the newest whose JVMCI check accepts JDK 25.0.3 (25.0.4 wants 25.0.4+7)
svm_src=${SVM_NATIVE_SRC:?set SVM_NATIVE_SRC to GraalVM substratevm/src (libchelper and jvm.posix sources)}
cache=${NATIVE_CACHE:-$HOME/.cache/agentsandbox/native-image/$svm_version}
jar=$repo/bridge-sidecar/target/agentsandbox-sidecar.jar
m2=${MAVEN_REPO:-$HOME/.m2/repository}

log() { printf '[native-sidecar] %s\n' "$*" >&2; }

# 1. The builder's jars, pinned.
for gav in org.graalvm.nativeimage:svm:$svm_version; do
  mvn -q dependency:get -Dartifact="$gav" -Dtransitive=true >/dev/null
done
module_path=$(find "$m2/org/graalvm" -path "*/$svm_version/*" -name "*-$svm_version.jar" | grep -v "/compiler/compiler/" | sort | tr '\n' ':')
compiler_jar=$m2/org/graalvm/compiler/compiler/$svm_version/compiler-$svm_version.jar

# 2. A builder JDK: hard links to JDK25 (java.home must be a real directory: the builder looks for lib/static and
#    lib/svm under it), plus the pieces a distribution would have.
builder_jdk=$cache/jdk
if [ ! -x "$builder_jdk/bin/java" ]; then
  log "builder JDK in $builder_jdk"
  mkdir -p "$cache"
  cp -al "$jdk" "$builder_jdk" 2>/dev/null || cp -a "$jdk" "$builder_jdk"
fi
static_dir=$builder_jdk/lib/static/linux-amd64/glibc
mkdir -p "$static_dir" "$builder_jdk/lib/svm/builder/lib"
for lib in java nio net zip; do [ -f "$static_dir/lib$lib.a" ] || ar rc "$static_dir/lib$lib.a"; done
gcc -O2 -shared -fPIC -I"$jdk/include" -I"$jdk/include/linux" "$here/reporterchelper.c" \
  -o "$builder_jdk/lib/svm/builder/lib/libreporterchelper.so"

# 3. The C helpers and the headers the builder queries (struct layouts read from the builder's classes).
clib=$cache/clibraries
mkdir -p "$clib/include" "$clib/linux-amd64/glibc" "$cache/obj" "$cache/classes"
(cd "$cache/classes" && unzip -o -q "$m2/org/graalvm/nativeimage/svm/$svm_version/svm-$svm_version.jar" \
  'com/oracle/svm/core/*/*LibCHelper$CPUFeatures.class')
for arch in amd64:AMD64 aarch64:AArch64 riscv64:RISCV64; do
  dir=${arch%%:*} name=${arch##*:}
  {
    echo "typedef struct {"
    "$jdk/bin/javap" -p "$cache/classes/com/oracle/svm/core/$dir/${name}LibCHelper\$CPUFeatures.class" \
      | grep -oE " f[A-Za-z0-9_]+\(\);" | tr -d ' ();' | sort -u | sed 's/^/  char /; s/$/;/'
    echo "} CPUFeatures;"
  } >"$clib/include/${dir}cpufeatures.h"
done
cat >"$clib/include/svm_locale.h" <<'H'
const int SVM_LOCALE_INITIALIZATION_USE_DEFAULT = 0;
const int SVM_LOCALE_INITIALIZATION_SUCCEEDED = 1;
const int SVM_LOCALE_INITIALIZATION_OUT_OF_MEMORY = 2;
typedef struct {
    char *format_language; char *format_script; char *format_country; char *format_variant;
    char *display_language; char *display_script; char *display_country; char *display_variant;
} svm_locale_props_t;
H
rm -f "$cache"/obj/*.o
cflags=(-O2 -fPIC -D_GNU_SOURCE -I"$clib/include" -I"$jdk/include" -I"$jdk/include/linux")
# From GraalVM's sources: what this script does not replace (cpuid.c and cSunMiscSignal.c are, by cpu_features.c
# and svm_helpers.c beside it).
for c in "$svm_src"/com.oracle.svm.native.libchelper/src/*.c; do
  case "$(basename "$c")" in cpuid.c | cSunMiscSignal.c) continue ;; esac
  gcc -c "${cflags[@]}" -I"$svm_src/com.oracle.svm.native.libchelper/include" "$c" -o "$cache/obj/$(basename "$c" .c).o"
done
for c in "$here/cpu_features.c" "$here/svm_helpers.c"; do
  gcc -c "${cflags[@]}" "$c" -o "$cache/obj/$(basename "$c" .c).o"
done
gcc -c "${cflags[@]}" "$svm_src"/com.oracle.svm.native.jvm.posix/src/JvmFuncs.c -o "$cache/jvmfuncs.o"
rm -f "$clib"/linux-amd64/glibc/*.a
ar rcs "$clib/linux-amd64/glibc/libjvm.a" "$cache/jvmfuncs.o"
ar rcs "$clib/linux-amd64/glibc/liblibchelper.a" "$cache"/obj/*.o
nm "$cache/jvmfuncs.o" | awk '$2 == "T" {print $3}' >"$cache/jvm-exports.txt"

# 4. The JDK's shared libraries the image links, and a libjvm.so that only satisfies their DT_NEEDED.
mkdir -p "$out/lib"
for lib in java nio net zip extnet management_ext; do cp "$jdk/lib/lib$lib.so" "$out/lib/"; done
nm -D --defined-only "$jdk/lib/server/libjvm.so" | awk '{print $3}' | sed 's/@.*//' | sort -u >"$cache/hotspot.syms"
nm -D --undefined-only "$out"/lib/lib*.so | awk '{print $NF}' | sed 's/@.*//' | sort -u >"$cache/imports.syms"
{
  echo '#include <stdio.h>'
  echo '#include <stdlib.h>'
  comm -12 "$cache/hotspot.syms" "$cache/imports.syms" | while read -r sym; do
    echo "void $sym(void) { fputs(\"libjvm stub: $sym is not provided by the image\\n\", stderr); abort(); }"
  done
} >"$cache/stubjvm.c"
gcc -shared -fPIC -O1 "$cache/stubjvm.c" -Wl,--version-script=<(echo 'SUNWprivate_1.1 { global: *; };') \
  -o "$out/lib/libjvm.so"

# 5. Reachability metadata the tracing agent would have written (the agent is a native library of a distribution):
#    every class of the project for reflection (Jackson binds the contract's records and options), BoringSSL's JNI
#    callbacks.
meta=$cache/meta
mkdir -p "$meta"
classes_json() { # $1: a grep -E pattern of class file paths in the jar
  unzip -Z1 "$jar" | grep -E "$1" | grep '\.class$' | grep -v 'module-info' | sed 's#\.class$##; s#/#.#g' \
    | awk 'BEGIN{printf "["} {printf "%s{\"name\":\"%s\",\"allDeclaredConstructors\":true,\"allPublicConstructors\":true,\"allDeclaredMethods\":true,\"allPublicMethods\":true,\"allDeclaredFields\":true,\"allPublicFields\":true}", (NR>1?",":""), $0} END{print "]"}'
}
classes_json '^(dev/agentsandbox/|io/netty/util/internal/shaded/org/jctools/|io/netty/channel/socket/nio/)' >"$meta/reflect-config.json"
classes_json '^io/netty/internal/tcnative/' >"$meta/jni-config.json"

[ -z "${NATIVE_PREPARE_ONLY:-}" ] || exit 0

# 6. The build.
log "building $out/agentsandbox-sidecar (log: $out/build.log)"
b=org.graalvm.nativeimage.builder
exports=()
for p in com.sun.crypto.provider jdk.internal.access jdk.internal.event jdk.internal.loader jdk.internal.logger \
  jdk.internal.org.objectweb.asm jdk.internal.perf jdk.internal.platform jdk.internal.reflect jdk.internal.util \
  jdk.internal.vm.annotation jdk.internal.vm jdk.internal sun.invoke.util sun.net.www sun.net sun.reflect.annotation \
  sun.reflect.generics.factory sun.reflect.generics.reflectiveObjects sun.reflect.generics.repository \
  sun.reflect.generics.scope sun.reflect.generics.tree sun.security.jca sun.security.provider sun.security.ssl \
  sun.security.util sun.security.x509 sun.text.spi sun.util.calendar sun.util.cldr sun.util.locale.provider \
  sun.util.locale sun.util.resources sun.util jdk.internal.foreign jdk.internal.foreign.abi \
  jdk.internal.foreign.abi.x64 jdk.internal.foreign.abi.x64.sysv jdk.internal.foreign.layout \
  jdk.internal.classfile.impl jdk.internal.constant jdk.internal.vm.vector sun.nio.fs sun.security.rsa \
  sun.security.pkcs sun.security.ec sun.nio.cs; do
  exports+=("--add-exports=java.base/$p=$b")
done
exports+=(
  "--add-exports=java.base/jdk.internal.misc=jdk.graal.compiler,$b,org.graalvm.nativeimage.objectfile,org.graalvm.nativeimage.pointsto"
  "--add-exports=java.base/jdk.internal.module=org.graalvm.nativeimage.base,$b"
  "--add-exports=java.base/jdk.internal.ref=$b,org.graalvm.nativeimage.objectfile"
  "--add-exports=java.base/sun.nio.ch=$b,org.graalvm.nativeimage.objectfile"
  "--add-exports=java.management/com.sun.jmx.mbeanserver=$b"
  "--add-exports=java.management/sun.management=$b,org.graalvm.nativeimage.pointsto"
  "--add-exports=jdk.management/com.sun.management.internal=$b"
)
for p in jdk.jfr.events jdk.jfr.internal.event jdk.jfr.internal.jfc jdk.jfr.internal; do exports+=("--add-exports=jdk.jfr/$p=$b"); done
for p in aarch64 amd64 riscv64; do
  exports+=("--add-exports=jdk.internal.vm.ci/jdk.vm.ci.$p=jdk.graal.compiler,$b,org.graalvm.nativeimage.objectfile")
  exports+=("--add-exports=jdk.internal.vm.ci/jdk.vm.ci.hotspot.$p=jdk.graal.compiler")
done
for p in code.site code.stack hotspot services; do exports+=("--add-exports=jdk.internal.vm.ci/jdk.vm.ci.$p=jdk.graal.compiler,$b"); done
all="jdk.graal.compiler,org.graalvm.nativeimage.base,$b,org.graalvm.nativeimage.objectfile,org.graalvm.nativeimage.pointsto,org.graalvm.truffle.compiler,org.graalvm.nativeimage.configure"
for p in code meta common runtime; do exports+=("--add-exports=jdk.internal.vm.ci/jdk.vm.ci.$p=$all"); done
mods=org.graalvm.nativeimage,org.graalvm.word,org.graalvm.collections,jdk.graal.compiler,jdk.internal.vm.ci,org.graalvm.truffle.compiler

tmp=$out/build-tmp
rm -rf "$tmp"; mkdir -p "$tmp"
NATIVE_JVM_EXPORTS=$cache/jvm-exports.txt /usr/bin/time -v "$builder_jdk/bin/java" -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI \
  -Dtruffle.TrustAllTruffleRuntimeProviders=true -Dgraalvm.ForcePolyglotInvalid=true -Dgraalvm.locatorDisabled=true \
  -Dsubstratevm.HostLibC=glibc "${exports[@]}" \
  -Xss10m -XX:+UseParallelGC -XX:MaxRAMPercentage=85.0 -XX:GCTimeRatio=9 -XX:+ExitOnOutOfMemoryError \
  ${NATIVE_BUILDER_XMX:+-Xmx$NATIVE_BUILDER_XMX} \
  -Djava.awt.headless=true -Dorg.graalvm.version="$svm_version" -Dcom.oracle.graalvm.isaot=true \
  -Dorg.graalvm.nativeimage.imagecode=buildtime \
  -Djava.system.class.loader=com.oracle.svm.hosted.NativeImageSystemClassLoader -Xshare:off \
  -Djdk.internal.lambda.disableEagerInitialization=true -Djdk.internal.lambda.eagerlyInitialize=false \
  -Djava.lang.invoke.InnerClassLambdaMetafactory.initializeLambdas=false \
  -Djava.lang.invoke.MethodHandle.DONT_INLINE_THRESHOLD=-1 -Djava.lang.invoke.MethodHandle.PROFILE_GWT=false \
  --add-modules=ALL-DEFAULT \
  --enable-native-access=org.graalvm.nativeimage.objectfile,$b,org.graalvm.nativeimage.pointsto,org.graalvm.nativeimage.base \
  --upgrade-module-path "$compiler_jar" --module-path "$module_path" \
  -Dorg.graalvm.nativeimage.module.addmods=$mods --add-modules=$mods \
  -m $b/com.oracle.svm.hosted.NativeImageGeneratorRunner \
  -imagecp "$jar" -H:Path="$out" -H:Name=agentsandbox-sidecar -H:Class=dev.agentsandbox.sidecar.Main \
  -H:ImageBuildID="$(cat /proc/sys/kernel/random/uuid)" -H:TempDirectory="$tmp" \
  -H:Optimize="${NATIVE_OPTIMIZE:-2}" -H:+ReportExceptionStackTraces \
  -H:-UseContainerSupport -H:CCompilerPath="$here/cc-wrapper.sh" \
  -H:CLibraryPath="$clib/linux-amd64/glibc,$clib" \
  -H:ReflectionConfigurationFiles="$meta/reflect-config.json" -H:JNIConfigurationFiles="$meta/jni-config.json" \
  -H:IncludeResources='.*\.(properties|json|txt|pem|crt)$' \
  -H:NativeLinkerOption=-Wl,--export-dynamic -H:NativeLinkerOption=-Wl,-rpath,\$ORIGIN/lib \
  -H:NativeLinkerOption=-Wl,--no-as-needed \
  -H:NativeLinkerOption="$out/lib/libjava.so" -H:NativeLinkerOption="$out/lib/libnio.so" \
  -H:NativeLinkerOption="$out/lib/libnet.so" -H:NativeLinkerOption="$out/lib/libzip.so" \
  -H:NativeLinkerOption="$out/lib/libextnet.so" -H:NativeLinkerOption="$out/lib/libmanagement_ext.so" \
  "$@" 2>&1 | tee "$out/build.log"
