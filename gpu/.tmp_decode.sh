. gpu/unpack.sh
export LD_PRELOAD=$PWD/.jre/lib/libjsig.so
OPTS="--enable-native-access=ALL-UNNAMED --add-modules=jdk.incubator.vector"
CP=".device-bundle/classes:.device-bundle/lib/*"
LD_PRELOAD= python3 bench/make_8b_checkpoint.py /tmp/l8b 2>&1 | tail -1
timeout 300 .jre/bin/java $OPTS -XX:StartFlightRecording=filename=$OUT/decode.jfr,settings=profile -cp "$CP" dev.loris.bench.DecodeBench /tmp/l8b cuda:0 128 256 1 2>&1 | grep -v WARNING
ls -la $OUT
