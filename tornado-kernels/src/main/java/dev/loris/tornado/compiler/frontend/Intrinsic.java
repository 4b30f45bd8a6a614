package dev.loris.tornado.compiler.frontend;

import dev.loris.tornado.compiler.ir.Value;

import java.util.List;

/** How one recognised call or field read becomes IR: arguments in, result out (null for void). */
@FunctionalInterface
interface Intrinsic {
    Value expand(InstructionTranslator t, List<Value> args);
}
