#!/usr/bin/env bash
# Prepares what the GPU machine needs and does not have (it has no Java and no network): a jlink'd Java 25
# runtime (.jre/) and the built Loris with its test classes and the JUnit console launcher
# (.device-bundle/), packed into one xz archive, .device-pack.tar.xz, because everything that travels
# (the tracked tree included) must stay under 64 MiB. Name the archive in the device tool's `carry`; the
# gpu/*.sh scripts unpack it there (gpu/unpack.sh). All three paths are in .git/info/exclude.
#
# Most GPU runs need no tokenizer: the DJL tokenizers and Jinjava libraries (about 30 MB with their
# dependencies) stay here, and gpu/run.sh leaves out the tests that use them. TOKENIZER=1 packs them too
# (about 7 MB: the tokenizers jar without its native folders, plus the Linux x86-64 library, stripped, which
# gpu/unpack.sh puts where DJL looks for it) for runs of `loris train` on text, such as demo/scripts/pretrain.sh.
# Test resources are not copied: the tree travels anyway, and run.sh puts each module's src/test/resources on
# the class path.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
JDK=/usr/lib/jvm/temurin-25-jdk-amd64
JUNIT_PLATFORM=1.14.1
# The jars the GPU runs load, by artifact name prefix (our own classes travel as classes/).
DEVICE_JARS=(jackson-core- jackson-databind- jackson-annotations- jackson-dataformat-yaml- snakeyaml- picocli- progressbar- jline- jfreechart- slf4j-nop-)

# java.desktop: the loss curve PNG (JFreeChart, headless). JAVAC=1 adds jdk.compiler (~8 MB more in the pack),
# which the differential conformance ring needs to compile its generated kernels (then `gpu/lighten.sh more`
# before the call, so the tree and the pack fit the 64 MiB). Delete .jre to rebuild it
# after changing the list.
MODULES=java.base,java.desktop,java.logging,java.management,jdk.management,jdk.incubator.vector,java.xml,jdk.unsupported,java.sql
if [ "${JAVAC:-0}" = 1 ]; then MODULES="$MODULES,jdk.compiler"; fi
# Uncompressed modules and stripped native libraries: xz then packs the runtime to ~22 MB, where jlink's own
# zip-9 leaves ~34 MB that xz cannot shrink (the tree and the archive must stay under the 64 MiB that travels).
if [ ! -x .jre/bin/java ] || ! grep -q java.desktop .jre/release \
    || [ "$(grep -c jdk.compiler .jre/release)" != "$([ "${JAVAC:-0}" = 1 ] && echo 1 || echo 0)" ] || grep -q jdk.jfr .jre/release || [ ! -f .jre/.zip0 ]; then
  rm -rf .jre
  "$JDK/bin/jlink" --add-modules "$MODULES" \
    --strip-debug --no-man-pages --no-header-files --compress=zip-0 --output .jre
  find .jre -name '*.so' -exec strip --strip-unneeded {} \;
  rm -f .jre/lib/libawt_xawt.so .jre/lib/libsplashscreen.so  # headless: no X11 window, no splash screen
  touch .jre/.zip0
fi

export MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow"
JAVA_HOME=$JDK mvn -B -q -DskipTests package
JAVA_HOME=$JDK mvn -B -q dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:$JUNIT_PLATFORM \
  -DoutputDirectory=.device-bundle/junit
rm -rf .device-bundle/classes .device-bundle/test-classes .device-bundle/lib
mkdir -p .device-bundle/classes .device-bundle/test-classes .device-bundle/lib
for m in */target/classes; do cp -r "$m"/. .device-bundle/classes/; done
for m in */target/test-classes; do
  [ -d "$m" ] && (cd "$m" && find . -name '*.class' -exec cp --parents {} "$ROOT/.device-bundle/test-classes/" \;)
done
for prefix in "${DEVICE_JARS[@]}"; do cp train/target/lib/"$prefix"*.jar .device-bundle/lib/; done
rm -rf .device-bundle/djl
if [ "${TOKENIZER:-0}" = 1 ]; then
  # Every compile-scope jar of the model module's tokenizer and chat-template libraries, by the dependency tree.
  JAVA_HOME=$JDK mvn -B -q -pl model dependency:list -DincludeScope=runtime -DoutputFile=/tmp/loris-model-deps.txt
  # By artifact name: the train module's versions (what train/target/lib holds) win over the model's.
  for artifact in $(grep -oE '[a-z0-9.-]+:[A-Za-z0-9._-]+:jar:' /tmp/loris-model-deps.txt | cut -d: -f2 | sort -u); do
    case $artifact in loris-*) continue ;; esac  # our own classes travel as classes/
    cp -n train/target/lib/"$artifact"-[0-9]*.jar .device-bundle/lib/
  done
  TOKENIZERS_JAR=$(ls .device-bundle/lib/tokenizers-*.jar)
  NATIVE=native/lib/linux-x86_64/cpu/libtokenizers.so
  mkdir -p .device-bundle/djl && unzip -q -o -j "$TOKENIZERS_JAR" "$NATIVE" -d .device-bundle/djl
  strip --strip-unneeded .device-bundle/djl/libtokenizers.so
  zip -q -d "$TOKENIZERS_JAR" 'native/lib/*/*'
  # DJL loads the library from $DJL_CACHE_DIR/tokenizers/<version>-cpu-linux-x86_64/ when it is there
  # (DjlNatives); gpu/unpack.sh points DJL_CACHE_DIR at .device-bundle/djl.
  VERSION=$(unzip -p "$TOKENIZERS_JAR" native/lib/tokenizers.properties | sed -n 's/^version=//p')
  mkdir -p ".device-bundle/djl/tokenizers/$VERSION-cpu-linux-x86_64"
  mv .device-bundle/djl/libtokenizers.so ".device-bundle/djl/tokenizers/$VERSION-cpu-linux-x86_64/"
  # The demo's pretraining corpus as made here (the tokenizer was trained on it; the GPU machine's Python
  # would make a different one), packed: it is over 1.7 MB as it is.
  [ -f demo/corpus/corpus.jsonl ] && cp demo/corpus/corpus.jsonl .device-bundle/
fi
# Jars stored, not deflated: xz then packs their classes as well as it packs the loose ones (about a third
# smaller than xz over deflated jars). JNA keeps only its Linux x86-64 library.
for jar in .device-bundle/lib/*.jar .device-bundle/junit/*.jar; do
  case $jar in */jna-*) zip -q -d "$jar" 'com/sun/jna/[!l]*/*' 'com/sun/jna/linux-[!x]*/*' 'com/sun/jna/linux-x86/*' >/dev/null || true ;; esac
  rm -rf /tmp/loris-jar && mkdir /tmp/loris-jar && (cd /tmp/loris-jar && unzip -q "$ROOT/$jar" && rm -f "$ROOT/$jar" && zip -q -0 -r -X "$ROOT/$jar" .)
done
tar cf - .jre .device-bundle | xz -T0 -6 > .device-pack.tar.xz.tmp && mv .device-pack.tar.xz.tmp .device-pack.tar.xz
du -sh .jre .device-bundle .device-pack.tar.xz
