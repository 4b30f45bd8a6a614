package dev.loris.tornado.kernels;

import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.api.types.arrays.TornadoNativeArray;
import dev.loris.testing.Ptxas;
import dev.loris.tornado.compiler.KernelCompiler;
import dev.loris.tornado.compiler.ptx.PtxEmitter;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Split-K decode attention (FlashDecoding's partials, then combine) against the double reference on the
 * random problems of AttentionDecodeTest (caches of 1 to 300 rows: up to three splits, lengths that end
 * inside a split or fill the cache, GQA groups of 1 to 8 heads), with the same tolerance: f32 within 4e-5,
 * bf16 also within the output's rounding (2^-8 relative); the output and the partials poisoned first.
 */
class FlashDecodingTest {
    @AcrossBackends
    void f32MatchesTheReference(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        AttentionDecodeTest.Problem p = AttentionDecodeTest.Problem.draw(in, false);
        FloatArray out = SuiteInputs.poisonedFloats(p.q().length);
        run(backend, p, FloatArray.fromArray(p.q()), FloatArray.fromArray(p.k()), FloatArray.fromArray(p.v()), out);
        AttentionDecodeTest.check(in, backend, p, out.toHeapArray(), 0);
    }

    @AcrossBackends
    void bf16MatchesTheReferenceWithinItsRounding(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        AttentionDecodeTest.Problem p = AttentionDecodeTest.Problem.draw(in, true);
        BFloat16Array out = SuiteInputs.poisonedBf16(p.q().length);
        run(backend, p, BFloat16Array.fromFloats(p.q()), BFloat16Array.fromFloats(p.k()),
                BFloat16Array.fromFloats(p.v()), out);
        AttentionDecodeTest.check(in, backend, p, out.toFloatArray(), 0x1p-8);
    }

    /** Both kernels' bf16 forms assemble for sm_80 and sm_90 without spills (where ptxas is installed). */
    @Test
    void ptxAssemblesWithoutSpills() {
        Map<Integer, Object> bf16 = Map.of(1, BFloat16Array.class, 2, BFloat16Array.class, 3, BFloat16Array.class);
        for (String arch : new String[] {"sm_80", "sm_90"}) {
            for (var kernel : new String[] {"partials", "combine"}) {
                var graph = KernelCompiler.devicePtxGraph(SuiteInputs.kernel(FlashDecoding.class, kernel),
                        kernel.equals("partials") ? bf16 : Map.of(3, BFloat16Array.class));
                String output = Ptxas.assertAssembles(PtxEmitter.emit(graph, new PtxEmitter.Options(arch, false)), arch);
                assertTrue(output.contains(" 0 bytes spill stores"), kernel + " " + arch + ":\n" + output);
            }
        }
    }

    private static void run(SuiteAccelerator backend, AttentionDecodeTest.Problem p, TornadoNativeArray q,
                            TornadoNativeArray k, TornadoNativeArray v, TornadoNativeArray out) {
        FloatArray partials = SuiteInputs.poisonedFloats(
                FlashDecoding.partialsLength(p.seqs(), p.heads(), p.headDim(), p.capacity()));
        IntArray lengths = IntArray.fromArray(p.lengths());
        int g = FlashDecoding.GROUP;
        backend.run(SuiteInputs.kernel(FlashDecoding.class, "partials"),
                new int[] {p.seqs() * p.kvHeads() * FlashDecoding.splits(p.capacity()) * g}, new int[] {g},
                q, k, v, lengths, partials, p.heads(), p.kvHeads(), p.headDim(), p.capacity(), p.scale());
        backend.run(SuiteInputs.kernel(FlashDecoding.class, "combine"), new int[] {p.seqs() * p.heads() * g},
                new int[] {g}, partials, lengths, out, p.heads(), p.headDim(), p.capacity());
    }
}
