package dev.loris.model.tokenizer;

import dev.loris.model.config.ModelConfig;
import dev.loris.model.config.ModelConfigReader;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Unsloth's pad-token rule on the real tokenizers (what Unsloth's own uploads use: Llama 3 pads with
 * reserved_special_token_250, Qwen keeps <|endoftext|>, Gemma <pad>, Llama 2 <unk>) and each step of the
 * rule on tiny tokenizers.
 */
class PadTokenChoiceTest {

    private static ModelConfig config(int vocab, String eos, Integer pad) {
        return ModelConfigReader.parse("{\"model_type\": \"llama\", \"vocab_size\": " + vocab + ", \"hidden_size\": 64, "
                + "\"intermediate_size\": 128, \"num_hidden_layers\": 1, \"num_attention_heads\": 4, "
                + "\"eos_token_id\": " + eos + ", \"pad_token_id\": " + pad + "}", "tiny/config.json");
    }

    @Test
    void realTokenizers() {
        assertEquals(new PadTokenChoice("<|reserved_special_token_250|>", 128255, PadTokenChoice.How.RESERVED),
                PadTokenChoice.choose(RealTokenizers.get("llama3"), config(128256, "[128001, 128008, 128009]", null)));
        assertEquals(new PadTokenChoice("<|endoftext|>", 151643, PadTokenChoice.How.KEPT),
                PadTokenChoice.choose(RealTokenizers.get("qwen3")));
        assertEquals(new PadTokenChoice("<pad>", 0, PadTokenChoice.How.KEPT), PadTokenChoice.choose(RealTokenizers.get("gemma3")));
        assertEquals(new PadTokenChoice("<unk>", 0, PadTokenChoice.How.UNK), PadTokenChoice.choose(RealTokenizers.get("llama2")));
    }

    @Test
    void padEqualToEosIsReplacedByTheBestReservedToken() {
        String config = "{\"eos_token\": \"<|endoftext|>\", \"pad_token\": \"<|endoftext|>\"}";
        assertEquals(new PadTokenChoice("<|finetune_right_pad_id|>", 4, PadTokenChoice.How.RESERVED), PadTokenChoice.choose(
                TinyTokenizers.build(List.of("<|endoftext|>", "<|finetune_right_pad_id|>", "<|reserved_special_token_0|>"), config)));
        assertEquals(new PadTokenChoice("<|reserved_special_token_1|>", 4, PadTokenChoice.How.RESERVED), PadTokenChoice.choose(
                TinyTokenizers.build(List.of("<|endoftext|>", "<|reserved_special_token_1|>", "<|reserved_open"), config)),
                "a closed token wins over an open one of the same family");
        assertEquals(new PadTokenChoice("<|fim_pad|>", 5, PadTokenChoice.How.PAD_NAMED), PadTokenChoice.choose(
                TinyTokenizers.build(List.of("<|endoftext|>", "<|im_start|>", "<|fim_pad|>"), config)));
    }

    @Test
    void tokensOutsideTheEmbeddingOrEqualToEosAreSkipped() {
        Tokenizer tokenizer = TinyTokenizers.build(List.of("<|endoftext|>", "<|im_end|>", "<|reserved_special_token_9|>"),
                "{\"eos_token\": \"<|im_end|>\", \"unk_token\": \"<unk>\"}");
        assertEquals(new PadTokenChoice("<|endoftext|>", 3, PadTokenChoice.How.RESERVED),
                PadTokenChoice.choose(tokenizer, config(6, "4", null)), "its family ranks above <|reserved");
        assertEquals(new PadTokenChoice("<|reserved_special_token_9|>", 5, PadTokenChoice.How.RESERVED),
                PadTokenChoice.choose(tokenizer, config(6, "[3, 4]", null)), "<|endoftext|> is a config EOS");
        assertEquals(new PadTokenChoice("<unk>", 0, PadTokenChoice.How.UNK),
                PadTokenChoice.choose(tokenizer, config(5, "[3, 4]", null)), "id 5 is past a 5-row embedding");
    }

    @Test
    void configPadIdIsTheLastResortAndNothingIsAnError() {
        Tokenizer bare = TinyTokenizers.build(List.of("</s>"), "{\"eos_token\": \"</s>\", \"pad_token\": \"</s>\"}");
        assertEquals(new PadTokenChoice("world", 2, PadTokenChoice.How.CONFIG_PAD_ID),
                PadTokenChoice.choose(bare, config(4, "3", 2)));
        TokenizerException e = assertThrows(TokenizerException.class, () -> PadTokenChoice.choose(bare, config(4, "3", 3)));
        assertTrue(e.getMessage().contains("no usable pad token"), e.getMessage());
        assertTrue(e.hint().contains("embedding"), e.hint());
    }
}
