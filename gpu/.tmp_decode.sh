. gpu/unpack.sh
export LD_PRELOAD=$PWD/.jre/lib/libjsig.so
OPTS="--enable-native-access=ALL-UNNAMED --add-modules=jdk.incubator.vector"
CP=".device-bundle/classes:.device-bundle/lib/*"
LD_PRELOAD= python3 bench/make_8b_checkpoint.py /tmp/l8b 2>&1 | tail -1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; date -u +%Y-%m-%dT%H:%MZ
timeout 200 .jre/bin/java $OPTS -cp "$CP" dev.loris.bench.DecodeBench /tmp/l8b cuda:0 128 64 1 2>&1 | grep -v WARNING
LD_PRELOAD= timeout 150 python3 bench/hf_generate.py /tmp/l8b 128 64 1 2>&1 | tail -1
timeout 200 .jre/bin/java $OPTS -cp "$CP" dev.loris.bench.DecodeBench /tmp/l8b cuda:0 128 64 8 2>&1 | grep -v WARNING
LD_PRELOAD= timeout 150 python3 bench/hf_generate.py /tmp/l8b 128 64 8 2>&1 | tail -1
