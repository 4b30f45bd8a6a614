/**
 * LoRA adapters: the fused LoRA linear (Y = X·Wᵀ + s·(X·Aᵀ)·Bᵀ) with a backward that computes only dX, dA and
 * dB, PEFT-compatible saving and loading, and merging in f32. Empty until the LoRA issue lands.
 */
package dev.loris.lora;
