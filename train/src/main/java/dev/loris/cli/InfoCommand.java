package dev.loris.cli;

import dev.loris.model.config.ModelConfig;
import dev.loris.model.config.ModelSize;
import dev.loris.model.safetensors.Dtype;
import dev.loris.model.safetensors.SafetensorsCheckpoint;
import dev.loris.model.safetensors.SafetensorsFile;
import dev.loris.model.safetensors.TensorInfo;
import dev.loris.tornado.runtime.Units;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code loris info DIR}: what a Hugging Face model folder holds, without loading a weight: architecture and
 * shape from config.json, parameter count, the checkpoint's files and dtypes (from the safetensors headers,
 * which are checked), and the memory the weights and a KV cache need.
 */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Describe a Hugging Face model folder: architecture, parameters, dtypes, vocabulary, memory.")
final class InfoCommand implements Runnable {

    @Parameters(index = "0", paramLabel = "DIR", description = "Model folder (config.json and *.safetensors)")
    Path folder;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        ModelConfig c = ModelConfig.read(folder);
        // Everything is read and checked before the first line is printed: an error prints nothing else.
        StringWriter text = new StringWriter();
        PrintWriter out = new PrintWriter(text);
        ModelSize size = c.size();
        out.printf("model       %s (%s)%n", folder.toAbsolutePath().normalize(), c.architecture());
        out.printf("shape       %d layers, hidden %d, intermediate %d, %d heads of %d, %d key/value heads%n",
                c.numHiddenLayers(), c.hiddenSize(), c.intermediateSize(), c.numAttentionHeads(), c.headDim(),
                c.numKeyValueHeads());
        out.printf("vocabulary  %,d tokens; embeddings %s%n", c.vocabSize(),
                c.tieWordEmbeddings() ? "tied to the LM head" : "separate from the LM head");
        out.printf("rope        theta %s%s; context %,d%n", c.ropeTheta(),
                c.ropeScaling() == null ? "" : ", scaling " + c.ropeScaling(), c.maxPositionEmbeddings());
        if (c.isGemma()) {
            out.println(gemmaLine(c));
        }
        if (c.hasFusedProjections()) {
            out.println(phi3Line(c));
        }
        out.printf("parameters  %,d (%,d outside the embeddings)%n", size.total(), size.nonEmbedding());
        try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(folder)) {
            Map<Dtype, Long> byDtype = new TreeMap<>();
            long stored = 0;
            for (SafetensorsFile file : checkpoint.files()) {
                for (TensorInfo tensor : file.tensors()) {
                    long count = tensor.byteLength() / tensor.dtype().byteSize();
                    byDtype.merge(tensor.dtype(), count, Long::sum);
                    stored += count;
                }
            }
            out.printf("weights     %d file%s, %s; %s of tensors%n", checkpoint.files().size(),
                    checkpoint.files().size() == 1 ? "" : "s", dtypes(byDtype), Units.bytes(checkpoint.totalTensorBytes()));
            if (stored != size.total()) {
                out.printf("  note: the files hold %,d values, config.json implies %,d parameters%n", stored, size.total());
            }
        }
        long kvPer1k = 2L * c.numHiddenLayers() * c.numKeyValueHeads() * c.headDim() * 1000 * 2;
        out.printf("memory      weights %s in bf16, %s in f32; KV cache %s per 1,000 tokens (bf16)%n",
                Units.bytes(size.bf16Bytes()), Units.bytes(size.bytesAt(4)), Units.bytes(kvPer1k));
        out.flush();
        spec.commandLine().getOut().print(text);
        spec.commandLine().getOut().flush();
    }

    /** Gemma's attention: scale, soft-caps, how many layers slide and over what window, the local RoPE base. */
    /** Phi-3's fused modules (what LoRA targets on it), rotary width and window. */
    private static String phi3Line(ModelConfig c) {
        int window = c.attentionWindow(0);
        return String.format("attention   fused qkv_proj and gate_up_proj (LoRA targets qkv_proj, o_proj, gate_up_proj,"
                        + " down_proj); RoPE on %d of %d values per head; %s", c.rotaryDim(), c.headDim(),
                window == 0 ? "no sliding window" : "sliding window of " + String.format("%,d", window) + " tokens");
    }

    private static String gemmaLine(ModelConfig c) {
        var g = c.gemma();
        long sliding = g.slidingLayers().stream().filter(s -> s).count();
        return String.format("attention   scale query_pre_attn_scalar^-0.5 (%s); %d of %d layers sliding over %,d tokens"
                        + " (RoPE theta %s); soft-caps: attention %s, final logits %s",
                g.queryPreAttnScalar(), sliding, c.numHiddenLayers(), g.slidingWindow(), g.localRopeTheta(),
                g.attentionSoftCap() == 0 ? "none" : g.attentionSoftCap(),
                g.finalLogitSoftCap() == 0 ? "none" : g.finalLogitSoftCap());
    }

    private static String dtypes(Map<Dtype, Long> byDtype) {
        StringBuilder text = new StringBuilder();
        byDtype.forEach((dtype, count) -> text.append(text.isEmpty() ? "" : ", ").append(dtype).append(' ')
                .append(String.format("%,d", count)));
        return text.toString();
    }
}
