/**
 * Quantised weights: NF4 and FP4 byte-compatible with bitsandbytes (block size 64, double quantisation),
 * 8-bit, and the dequantisation kernels that feed the GEMM. Empty until the quantisation issue lands.
 */
package dev.loris.quant;
