package dev.loris.tornado.runtime.opencl;

import org.junit.jupiter.api.Test;

import java.util.OptionalInt;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Finding the failing line in build logs of the drivers we know, and quoting the source around it. */
class OpenClBuildExceptionTest {
    private static final long SEED = System.nanoTime();

    @Test
    void findsTheFirstErrorLineInClangAndNvidiaLogs() {
        int line = 1 + new Random(SEED).nextInt(500);
        String clang = "<source>:" + (line + 7) + ":3: warning: unused variable 'y'\n"
                + "<source>:" + line + ":12: error: use of undeclared identifier 'q'\n";
        String nvidia = "<kernel>:" + line + ":5: error: expected ';' after expression\n";
        assertEquals(OptionalInt.of(line), OpenClBuildException.errorLine(clang), "seed " + SEED);
        assertEquals(OptionalInt.of(line), OpenClBuildException.errorLine(nvidia), "seed " + SEED);
        assertEquals(OptionalInt.of(line + 7), OpenClBuildException.errorLine(clang.lines().findFirst().get()));
        assertEquals(OptionalInt.empty(), OpenClBuildException.errorLine("internal compiler error"));
    }

    @Test
    void quotesNumberedLinesAroundTheErrorOrTheStart() {
        StringBuilder source = new StringBuilder();
        for (int i = 1; i <= 40; i++) {
            source.append("line").append(i).append('\n');
        }
        String around = OpenClBuildException.excerpt(source.toString(), OptionalInt.of(12));
        assertTrue(around.contains(">  12 | line12") || around.contains("> 12 | line12"), around);
        assertTrue(around.contains("8 | line8") && around.contains("16 | line16"), around);
        assertFalse(around.contains("line7\n") || around.contains("line17\n"), around);
        String start = OpenClBuildException.excerpt(source.toString(), OptionalInt.of(400));
        assertTrue(start.startsWith("source, first lines:") && start.contains(" 1 | line1\n")
                && start.contains("20 | line20") && !start.contains("line21"), start);
    }
}
