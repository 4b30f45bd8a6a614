package dev.loris.tornado.runtime.cuda;

import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Finding the PTX lines a JIT log names, on synthetic PTX of numbered lines. */
class PtxExcerptTest {
    private static final int LINES = 40;
    /** "line 1" ... "line 40": each line says its own number, so a shown line can be checked against it. */
    private static final String PTX = IntStream.rangeClosed(1, LINES).mapToObj(i -> "text of " + i)
            .collect(Collectors.joining("\n"));

    @Test
    void marksTheNamedLineWithThreeLinesOfContextEachSide() {
        long seed = System.nanoTime();
        int line = 4 + new Random(seed).nextInt(LINES - 7);
        String excerpt = PtxExcerpt.around(PTX, "ptxas application ptx input, line " + line + "; error   : bad");
        String expected = IntStream.rangeClosed(line - 3, line + 3)
                .mapToObj(i -> String.format("%s%5d | text of %d", i == line ? ">" : " ", i, i))
                .collect(Collectors.joining("\n"));
        assertTrue(excerpt.endsWith("\n" + expected), "seed " + seed + ":\n" + excerpt);
        assertFalse(excerpt.contains("..."), excerpt);
    }

    @Test
    void separatesDistantLinesAndMergesCloseOnes() {
        String log = "x, line 10; error : a\nx, line 12; error : b\nx, line 30; error : c";
        String excerpt = PtxExcerpt.around(PTX, log);
        assertTrue(excerpt.contains(">   10 | text of 10\n    11 | text of 11\n>   12 | text of 12"), excerpt);
        assertEquals(1, excerpt.split("\\.\\.\\.", -1).length - 1, excerpt);
        assertTrue(excerpt.contains(">   30 | text of 30"), excerpt);
    }

    @Test
    void clipsContextAtTheEndsOfTheText() {
        String excerpt = PtxExcerpt.around(PTX, "x, line 1; error : first\nx, line " + LINES + "; error : last");
        assertTrue(excerpt.contains(">    1 | text of 1"), excerpt);
        assertTrue(excerpt.endsWith(String.format(">%5d | text of %d", LINES, LINES)), excerpt);
        assertFalse(excerpt.contains("|    0"), excerpt);
    }

    @Test
    void isEmptyWhenTheLogNamesNoLineOfTheText() {
        assertEquals("", PtxExcerpt.around(PTX, "ptxas fatal   : Unresolved extern function 'f'"));
        assertEquals("", PtxExcerpt.around(PTX, "x, line " + (LINES + 1) + "; error : past the end"));
        assertEquals("", PtxExcerpt.around(PTX, ""));
    }
}
