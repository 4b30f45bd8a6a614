// Reads a GGUF file with @huggingface/gguf and prints what it parsed as one JSON object:
// {version, tensorCount, metadata: {key: {type, value | length, first}}, tensors: [{name, shape, dtype}]}.
// Usage: node read-gguf.mjs FILE
import { gguf } from "@huggingface/gguf";

const file = process.argv[2];
const { metadata, tensorInfos, typedMetadata } = await gguf(file, { allowLocalFile: true, typedMetadata: true });
const plain = (v) => (typeof v === "bigint" ? v.toString() : v);
const out = { version: Number(metadata.version), tensorCount: plain(metadata.tensor_count), metadata: {}, tensors: [] };
for (const [key, entry] of Object.entries(typedMetadata)) {
  if (key === "version" || key === "tensor_count" || key === "kv_count") continue;
  if (Array.isArray(entry.value)) {
    out.metadata[key] = { type: entry.type, subType: entry.subType, length: entry.value.length,
      first: entry.value.slice(0, 5).map(plain), last: plain(entry.value[entry.value.length - 1]) };
  } else {
    out.metadata[key] = { type: entry.type, value: plain(entry.value) };
  }
}
for (const t of tensorInfos) {
  out.tensors.push({ name: t.name, shape: t.shape.map(plain), dtype: t.dtype, offset: plain(t.offset) });
}
process.stdout.write(JSON.stringify(out));
