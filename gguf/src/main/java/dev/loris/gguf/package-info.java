/**
 * GGUF v3 export for llama.cpp and Ollama: reader, writer, quantisers (F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K)
 * and the Hugging Face to GGUF tensor mapping. Empty until the GGUF issue lands.
 */
package dev.loris.gguf;
