/**
 * GGUF v3 files for llama.cpp and Ollama: {@link dev.loris.gguf.GgufWriter} (streaming, atomic) and
 * {@link dev.loris.gguf.GgufFile} (memory-mapped reader); the ggml quantisers live in
 * {@code dev.loris.gguf.quant}, the Hugging Face to GGUF export (names, metadata, tokenizer, quant mixes,
 * LoRA adapters, Ollama Modelfile) in {@code dev.loris.gguf.export}.
 */
package dev.loris.gguf;
