#!/usr/bin/env bash
# Prepares what the GPU machine needs and does not have (it has no Java and no network): a jlink'd Java 25
# runtime in .jre/ and the built Loris with its test classes and the JUnit console launcher in
# .device-bundle/. Both folders are in .git/info/exclude; name them in the device tool's `carry`.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
JDK=/usr/lib/jvm/temurin-25-jdk-amd64
JUNIT_PLATFORM=1.14.1

if [ ! -x .jre/bin/java ]; then
  "$JDK/bin/jlink" --add-modules java.base,java.logging,java.management,jdk.management,jdk.incubator.vector,java.xml,jdk.unsupported,java.naming,java.net.http,java.sql,jdk.crypto.ec \
    --strip-debug --no-man-pages --no-header-files --compress=zip-9 --output .jre
fi

export MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow"
JAVA_HOME=$JDK mvn -B -q -DskipTests package
JAVA_HOME=$JDK mvn -B -q dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:$JUNIT_PLATFORM \
  -DoutputDirectory=.device-bundle/junit
rm -rf .device-bundle/classes && mkdir -p .device-bundle/classes .device-bundle/test-classes
for m in */target/classes; do cp -r "$m"/. .device-bundle/classes/; done
for m in */target/test-classes; do [ -d "$m" ] && cp -r "$m"/. .device-bundle/test-classes/; done
rm -rf .device-bundle/lib && cp -r train/target/lib .device-bundle/lib
rm -f .device-bundle/lib/loris-*.jar   # our own classes are in classes/
du -sh .jre .device-bundle
