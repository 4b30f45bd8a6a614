#!/usr/bin/env bash
# Sourced by the gpu/*.sh scripts on the GPU machine: unpacks .device-pack.tar.xz (made by gpu/bundle.sh)
# into .jre/ and .device-bundle/ unless they are already there from an earlier call on the same machine.
if [ ! -x .jre/bin/java ] || [ .device-pack.tar.xz -nt .jre/bin/java ]; then
  rm -rf .jre .device-bundle
  python3 -c "import tarfile; tarfile.open('.device-pack.tar.xz').extractall('.', filter='tar')" || exit 1
  touch .jre/bin/java
fi
# What every script runs Java with: the bundled JRE, Loris' JVM options and class path.
export JAVA_HOME="$PWD/.jre" PATH="$PWD/.jre/bin:$PATH"
OPTS=(--enable-native-access=ALL-UNNAMED --add-modules=jdk.incubator.vector --add-opens=java.base/java.nio=ALL-UNNAMED --add-exports=java.base/jdk.internal.vm=ALL-UNNAMED)
CP=".device-bundle/classes:.device-bundle/lib/*"
# The tokenizers' native library when the pack has it (TOKENIZER=1 gpu/bundle.sh).
[ -d .device-bundle/djl ] && export DJL_CACHE_DIR="$PWD/.device-bundle/djl"
