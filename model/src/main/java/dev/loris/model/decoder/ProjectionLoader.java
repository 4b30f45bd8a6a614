package dev.loris.model.decoder;

/**
 * Makes each linear module of the layers while a checkpoint loads, so a quantised base model never sits on the
 * device in 16 bits: {@link #DENSE} uploads the weight as it is; the quant module quantises it tensor by
 * tensor, or reads a pre-quantised checkpoint's tensors. The embedding, the norms and the LM head are always
 * loaded dense.
 */
@FunctionalInterface
public interface ProjectionLoader {
    /** Every module as a {@link DenseProjection} in the model's precision. */
    ProjectionLoader DENSE = (loader, name, in, out, bias) -> loader.dense(name, in, out, bias);

    /**
     * The module {@code name} (e.g. {@code model.layers.0.mlp.up_proj}, weight (out, in), a bias (out) when
     * {@code bias}); {@code loader} gives the checkpoint, the accelerator, shape checks and dense loading.
     */
    Projection load(WeightLoader loader, String name, int in, int out, boolean bias);
}
