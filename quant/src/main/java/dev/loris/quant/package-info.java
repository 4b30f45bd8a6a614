/**
 * Quantised weights, byte-compatible with bitsandbytes: NF4 and FP4 in blocks (default 64) with plain or
 * double-quantised absmax, LLM.int8 rows; host quantisers, the bnb-4bit / int8 safetensors layout, device
 * weights and the kernels that dequantise them to bf16 for the GEMM. Entry point: {@link
 * dev.loris.quant.QuantizedLoader}.
 */
package dev.loris.quant;
