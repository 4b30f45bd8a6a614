// Runs a GGUF file through llama.cpp (node-llama-cpp's prebuilt CPU binary) and prints JSON results.
// Usage: node llama-run.mjs REQUEST.json, where the request holds
//   model: path of the GGUF; lora (optional): path of a GGUF LoRA adapter, applied with scale 1;
//   ids (optional): token ids to evaluate in one sequence (no BOS added);
//   logProbsAt (optional): positions whose full next-token log-probabilities to return;
//   targets (optional): for each position, the id whose log-probability to return (-1 for none);
//   tokenize (optional): strings to tokenize without adding BOS/EOS, special tokens not parsed.
// Output: {top1: [id per position], logProbs: {pos: [vocab floats]}, targetLogProbs: [...],
//          tokens: [[ids] per string], bos, eos}. Probabilities come from llama.cpp's greedy sampler, i.e. the
// softmax of its raw logits, so log-probabilities are its logits minus their log-sum-exp.
import { readFileSync } from "node:fs";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";

const request = JSON.parse(readFileSync(process.argv[2], "utf8"));
const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error, vramPadding: 0 });
const model = await llama.loadModel({ modelPath: request.model, gpuLayers: 0 });
const out = { bos: model.tokens.bos ?? null, eos: model.tokens.eos ?? null };
if (request.tokenize) {
  out.tokens = request.tokenize.map((text) => Array.from(model.tokenize(text, false)));
}
if (request.ids) {
  const contextOptions = { contextSize: Math.max(64, request.ids.length + 8), sequences: 1,
    batchSize: Math.max(64, request.ids.length + 8), threads: 2 };
  if (request.lora) contextOptions.lora = { adapters: [{ filePath: request.lora, scale: 1 }] };
  const context = await model.createContext(contextOptions);
  const sequence = context.getSequence();
  const wantFull = new Set(request.logProbsAt ?? []);
  const targets = request.targets ?? [];
  const items = request.ids.map((id, i) => [id, { generateNext: { token: true,
    probabilities: wantFull.has(i) || (targets[i] ?? -1) >= 0 } }]);
  const results = await sequence.controlledEvaluate(items);
  out.top1 = [];
  out.logProbs = {};
  out.targetLogProbs = [];
  results.forEach((r, i) => {
    out.top1.push(r?.next?.token ?? -1);
    const probs = r?.next?.probabilities;
    if (probs && wantFull.has(i)) {
      const dense = [];
      for (const [token, p] of probs) dense[token] = Math.log(p);
      out.logProbs[i] = Array.from(dense, (v) => (v === undefined ? null : v));
    }
    const target = targets[i] ?? -1;
    out.targetLogProbs.push(target >= 0 && probs ? Math.log(probs.get(target) ?? 0) : null);
  });
  await context.dispose();
}
await model.dispose();
await llama.dispose();
process.stdout.write(JSON.stringify(out));
