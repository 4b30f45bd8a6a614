. gpu/unpack.sh
export LD_PRELOAD=$PWD/.jre/lib/libjsig.so
OPTS="--enable-native-access=ALL-UNNAMED --add-modules=jdk.incubator.vector"
CP=".device-bundle/classes:.device-bundle/lib/*"
df -h /tmp | tail -1
LD_PRELOAD= python3 bench/make_8b_checkpoint.py /tmp/l8b 2>&1 | tail -1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; date -u +%Y-%m-%dT%H:%MZ
for i in 1 2; do .jre/bin/java $OPTS -cp "$CP" dev.loris.bench.LoadBench /tmp/l8b cuda:0 bf16 2>&1 | grep -v WARNING; done
