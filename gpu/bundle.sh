#!/usr/bin/env bash
# Prepares what the GPU machine needs and does not have (it has no Java and no network): a jlink'd Java 25
# runtime (.jre/) and the built Loris with its test classes and the JUnit console launcher
# (.device-bundle/), packed into one xz archive, .device-pack.tar.xz, because everything that travels
# (the tracked tree included) must stay under 64 MiB. Name the archive in the device tool's `carry`; the
# gpu/*.sh scripts unpack it there (gpu/unpack.sh). All three paths are in .git/info/exclude.
#
# What the GPU runs needs no tokenizer: the DJL tokenizers and Jinjava libraries (about 30 MB with their
# dependencies) stay here, and gpu/run.sh leaves out the tests that use them. Test resources are not
# copied: the tree travels anyway, and run.sh puts each module's src/test/resources on the class path.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
JDK=/usr/lib/jvm/temurin-25-jdk-amd64
JUNIT_PLATFORM=1.14.1
# The jars the GPU runs load, by artifact name prefix (our own classes travel as classes/).
DEVICE_JARS=(jackson-core- jackson-databind- jackson-annotations- jackson-dataformat-yaml- snakeyaml- picocli- progressbar- jline- jfreechart-)

# java.desktop: the loss curve PNG (JFreeChart, headless). Delete .jre to rebuild it after changing the list.
# Uncompressed modules and stripped native libraries: xz then packs the runtime to ~22 MB, where jlink's own
# zip-9 leaves ~34 MB that xz cannot shrink (the tree and the archive must stay under the 64 MiB that travels).
if [ ! -x .jre/bin/java ] || ! grep -q java.desktop .jre/release || [ ! -f .jre/.zip0 ]; then
  rm -rf .jre
  "$JDK/bin/jlink" --add-modules java.base,java.desktop,java.logging,java.management,jdk.management,jdk.incubator.vector,java.xml,jdk.unsupported,java.naming,java.net.http,java.sql,jdk.crypto.ec,jdk.jfr \
    --strip-debug --no-man-pages --no-header-files --compress=zip-0 --output .jre
  find .jre -name '*.so' -exec strip --strip-unneeded {} \;
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
tar cf - .jre .device-bundle | xz -T0 -6 > .device-pack.tar.xz.tmp && mv .device-pack.tar.xz.tmp .device-pack.tar.xz
du -sh .jre .device-bundle .device-pack.tar.xz
