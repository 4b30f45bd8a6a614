package dev.loris.tornado.kernels;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** AttentionShape: the shapes it refuses (with a hint), tile sizes within the kernels' local arrays, grids. */
class AttentionShapeTest {
    @Test
    void refusesWhatTheKernelsCannotRun() {
        assertTrue(assertThrows(AttentionShape.UnsupportedException.class, () -> new AttentionShape(10, 6, 4, 64))
                .hint().contains("multiple of num_key_value_heads"));
        assertTrue(assertThrows(AttentionShape.UnsupportedException.class, () -> new AttentionShape(10, 8, 8, 257))
                .getMessage().contains("head_dim 257"));
        assertThrows(AttentionShape.UnsupportedException.class, () -> new AttentionShape(0, 8, 8, 64));
        assertThrows(AttentionShape.UnsupportedException.class, () -> AttentionShape.sequenceStarts(3, 0, 2));
    }

    @Test
    void sequenceStartsPointEachTokenAtItsSequencesFirst() {
        assertArrayEquals(new int[] {0, 0, 0, 3, 3, 5}, AttentionShape.sequenceStarts(3, 2, 1));
    }

    /** Every tile of every head size fits the local arrays the kernels allocate, padding included. */
    @Test
    void tilesFitTheLocalArrays() {
        for (int dim = 1; dim <= AttentionShape.MAX_HEAD_DIM; dim++) {
            int rows = AttentionShape.forwardQueryRows(dim);
            int keys = AttentionShape.forwardKeyRows(dim);
            assertTrue(rows * (dim + 1) <= AttentionForward.QUERY_TILE && rows * dim <= AttentionForward.OUTPUT_TILE
                    && keys * (dim + 1) <= AttentionForward.KEY_TILE && rows * (keys + 1) <= AttentionForward.SCORE_TILE
                    && rows <= AttentionForward.MAX_ROWS, "forward, head_dim " + dim);
            int queryRows = AttentionShape.queryGradientRows(dim);
            assertTrue(queryRows * (dim + 1) <= AttentionBackward.QUERY_TILE
                    && queryRows * (dim + 1) <= AttentionBackward.KEY_TILE
                    && queryRows * dim <= AttentionBackward.GRADIENT_TILE
                    && queryRows * (queryRows + 1) <= AttentionBackward.SCORE_TILE
                    && queryRows <= AttentionBackward.MAX_ROWS, "dQ, head_dim " + dim);
            int keyRows = AttentionShape.keyValueKeyRows(dim);
            int smallRows = AttentionShape.keyValueQueryRows(dim);
            assertTrue(keyRows * (dim + 1) <= AttentionBackward.KEY_TILE
                    && keyRows * dim <= AttentionBackward.GRADIENT_TILE
                    && smallRows * (dim + 1) <= AttentionBackward.SMALL_QUERY_TILE
                    && smallRows * (keyRows + 1) <= AttentionBackward.SMALL_SCORE_TILE
                    && smallRows <= AttentionBackward.MAX_SMALL_ROWS, "dK/dV, head_dim " + dim);
        }
    }

    @Test
    void gridsCoverEveryTokenOfEveryHead() {
        AttentionShape shape = new AttentionShape(100, 32, 8, 128);
        assertEquals(7 * 32, shape.forwardGroups()); // 16 query rows per tile
        assertEquals(7 * 8, shape.keyValueGroups()); // 16 keys per tile
        assertEquals(7 * 32, shape.queryGroups());
        assertEquals(800, shape.rowDotGroups(128)); // 3,200 rows, four warps (rows) per group of 128
        assertEquals(3200, shape.rowDotGroups(32));
        assertEquals(3200, shape.rowDotGroups(1)); // one work-item per row below a warp
        assertEquals(800, shape.rowDotGroups(4));
        assertEquals(0.08838834764831845, shape.defaultScale(), 1e-8);
    }
}
