package dev.loris.tornado.runtime.opencl;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every cl.h error code has its own name; an exception quotes it with the number. */
class OpenClErrorsTest {
    @Test
    void everyCoreCodeHasADistinctName() {
        Set<String> names = new HashSet<>();
        for (int code = -1; code >= -72; code--) {
            if (code <= -20 && code >= -29) {
                continue; // cl.h leaves -20 to -29 unused
            }
            String name = OpenClErrors.name(code);
            assertTrue(name.startsWith("CL_") && names.add(name), code + " -> " + name);
        }
        assertEquals(62, names.size());
    }

    @Test
    void exceptionsQuoteNameAndNumber() {
        OpenClException e = new OpenClException("clCreateBuffer", -61, "");
        assertEquals("clCreateBuffer failed: CL_INVALID_BUFFER_SIZE (-61)", e.getMessage());
        assertEquals("clFoo failed: OpenCL error (-9999)", new OpenClException("clFoo", -9999, "").getMessage());
        assertEquals("CL_PLATFORM_NOT_FOUND_KHR", OpenClErrors.name(-1001));
        assertTrue(OpenClErrors.hint(-4).contains("memory"));
    }
}
