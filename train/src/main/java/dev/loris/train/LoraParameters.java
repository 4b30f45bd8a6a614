package dev.loris.train;

import dev.loris.lora.FullModules;
import dev.loris.lora.LoraAdapter;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A LoRA adapter as {@link TrainableParameters}: one group for every A and B (the adapter's flat buffers), then
 * one per module trained in full (modules_to_save: embed_tokens, lm_head), at {@code embeddingLrMultiplier}
 * times the learning rate (Unsloth's embedding_learning_rate for continued pretraining; 1 = the same rate).
 * Saves the adapter as PEFT does. The caller owns the adapter: {@link #close()} leaves it open.
 */
public final class LoraParameters implements TrainableParameters {
    private final LoraAdapter adapter;
    private final String baseModel;
    private final List<Group> groups = new ArrayList<>();

    /** {@code baseModel}: what adapter_config.json names as base_model_name_or_path. */
    public LoraParameters(LoraAdapter adapter, String baseModel, double embeddingLrMultiplier) {
        this.adapter = adapter;
        this.baseModel = baseModel;
        groups.add(new Group("lora", adapter.parameters(), adapter.gradients(), 0, adapter.parameters().length(),
                1, true));
        for (FullModules.Trained t : adapter.fullModules().trained()) {
            groups.add(new Group(t.module(), t.master(), t.gradient(), 0, t.master().length(), embeddingLrMultiplier,
                    true));
        }
    }

    /** The adapter trained at one learning rate, saved naming {@code baseModel}. */
    public LoraParameters(LoraAdapter adapter, String baseModel) {
        this(adapter, baseModel, 1);
    }

    public LoraAdapter adapter() {
        return adapter;
    }

    @Override
    public List<Group> groups() {
        return List.copyOf(groups);
    }

    @Override
    public Slot slot(String name, long elements) {
        return adapter.slot(name, elements);
    }

    @Override
    public void zeroGradients() {
        adapter.zeroGradients();
    }

    @Override
    public void parametersChanged() {
        adapter.parametersChanged();
    }

    @Override
    public void save(Path folder) {
        adapter.save(folder, baseModel);
    }

    @Override
    public String savedName() {
        return "adapter";
    }

    @Override
    public void close() {
        // the adapter is the caller's
    }
}
