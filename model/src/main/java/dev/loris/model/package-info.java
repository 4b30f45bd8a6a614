/**
 * Hugging Face checkpoints and the decoder: safetensors (memory-mapped, strictly checked), config.json for
 * Llama, Qwen2/3 and Mistral, tokenizer.json and chat templates, and the decoder as explicit per-layer
 * forward and backward functions over tornado-kernels. Empty until the model issue lands.
 */
package dev.loris.model;
