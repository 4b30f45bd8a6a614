package dev.loris.tornado.compiler.frontend;

import dev.loris.tornado.compiler.ir.Block;
import dev.loris.tornado.compiler.ir.Cond;
import dev.loris.tornado.compiler.ir.ConstantTable;
import dev.loris.tornado.compiler.ir.MemType;
import dev.loris.tornado.compiler.ir.Op;
import dev.loris.tornado.compiler.ir.Type;
import dev.loris.tornado.compiler.ir.Value;

import java.lang.classfile.Instruction;
import java.lang.classfile.Opcode;
import java.lang.classfile.TypeKind;
import java.lang.classfile.instruction.ArrayLoadInstruction;
import java.lang.classfile.instruction.ArrayStoreInstruction;
import java.lang.classfile.instruction.BranchInstruction;
import java.lang.classfile.instruction.ConstantInstruction;
import java.lang.classfile.instruction.ConvertInstruction;
import java.lang.classfile.instruction.FieldInstruction;
import java.lang.classfile.instruction.IncrementInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.instruction.LoadInstruction;
import java.lang.classfile.instruction.NewPrimitiveArrayInstruction;
import java.lang.classfile.instruction.NopInstruction;
import java.lang.classfile.instruction.OperatorInstruction;
import java.lang.classfile.instruction.StackInstruction;
import java.lang.classfile.instruction.StoreInstruction;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Abstract interpretation of one basic block's instructions: pops SSA values from the {@link Frame}, appends
 * IR values to the current block, pushes results. Calls go to {@link Intrinsics} or are inlined; anything a
 * kernel may not do is a {@code KernelCompileException} naming the source line.
 */
final class InstructionTranslator {
    /** A Java three-way compare (lcmp, fcmpl, fcmpg...) waiting for the branch that consumes it. */
    private record Compare3(Value a, Value b, int nanResult) {
    }

    private final GraphBuilder builder;
    private final Frame frame;
    private final Map<Value, Compare3> pendingCompares = new HashMap<>();
    private Block block;
    private int at;

    InstructionTranslator(GraphBuilder builder, Block block, Frame frame) {
        this.builder = builder;
        this.block = block;
        this.frame = frame;
    }

    Block block() {
        return block;
    }

    // ---- helpers shared with Intrinsics ----

    Value emit(Op op, Type type, Value... inputs) {
        Value v = builder.graph.append(block, op, type, inputs);
        v.line = line();
        v.site = builder.method.site(at);
        return v;
    }

    Value constant(Object value) {
        Type type = switch (value) {
            case Integer ignored -> Type.I32;
            case Long ignored -> Type.I64;
            case Float ignored -> Type.F32;
            case Double ignored -> Type.F64;
            case Boolean ignored -> Type.PRED;
            default -> throw error("constant of type " + value.getClass().getSimpleName() + " in a kernel");
        };
        Value v = emit(Op.CONST, type);
        v.constant = value;
        return v;
    }

    Value compare(Cond cond, Value a, Value b, boolean unordered) {
        Value v = emit(Op.CMP, Type.PRED, a, b);
        v.cond = cond;
        v.unordered = unordered;
        return v;
    }

    /** A PRED as the JVM's int boolean (1 or 0). */
    Value predicateToInt(Value predicate) {
        return emit(Op.SELECT, Type.I32, predicate, constant(1), constant(0));
    }

    /** The length (I64) of a Loris array (see {@link GraphBuilder#arrayLength}), or null when undefined. */
    Value arrayLengthOf(Value array) {
        return builder.arrayLength(array);
    }

    /**
     * The array class of a floating-point array value ("BFloat16Array"): its parameter's (declared, or
     * specialised by the caller), kept by the phis that merge it (GraphBuilder.mergeFrame).
     */
    String arrayClassOf(Value array) {
        String arrayClass = builder.inline.arrayClasses.get(array);
        if (arrayClass == null) {
            throw error("a FloatingPointArray whose element type is not known here (an undefined variable?)");
        }
        return arrayClass;
    }

    /** Notes the length parameters {@code length} may be (through phis): their arrays' getSize() is called. */
    void recordIntSized(Value length) {
        ArrayDeque<Value> work = new ArrayDeque<>(List.of(length));
        Set<Value> seen = new HashSet<>();
        while (!work.isEmpty()) {
            Value v = work.poll();
            if (!seen.add(v)) {
                continue;
            }
            if (v.op == Op.PARAM) {
                builder.graph.intSizedLengths.add(v.index);
            } else if (v.op == Op.PHI) {
                work.addAll(v.inputs);
            }
        }
    }

    int line() {
        return builder.method.lines.get(at);
    }

    dev.loris.tornado.compiler.KernelCompileException error(String problem) {
        return builder.method.error(line(), problem);
    }

    // ---- the stack ----

    /** Pops a value, materialising a pending three-way compare as an int if something other than a branch uses it. */
    Value popValue() {
        Value v = frame.pop();
        Compare3 c = pendingCompares.remove(v);
        if (c == null) {
            return v;
        }
        Value less = compare(Cond.LT, c.a(), c.b(), c.nanResult() < 0);
        Value greater = compare(Cond.GT, c.a(), c.b(), c.nanResult() > 0);
        Value zeroOrOne = emit(Op.SELECT, Type.I32, greater, constant(1), constant(0));
        return emit(Op.SELECT, Type.I32, less, constant(-1), zeroOrOne);
    }

    private List<Value> popArguments(int count) {
        List<Value> args = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            args.addFirst(popValue());
        }
        return args;
    }

    // ---- translation ----

    void translate(int index) {
        at = index;
        Instruction instruction = builder.method.instructions.get(index);
        switch (instruction) {
            case LoadInstruction load -> frame.push(local(load.slot()));
            case StoreInstruction store -> frame.locals[store.slot()] = popValue();
            case IncrementInstruction inc -> frame.locals[inc.slot()] =
                    emit(Op.ADD, Type.I32, local(inc.slot()), constant(inc.constant()));
            case ConstantInstruction c -> frame.push(constantOf(c));
            case OperatorInstruction op -> operator(op);
            case ConvertInstruction convert -> convert(convert);
            case StackInstruction stack -> stack(stack.opcode());
            case ArrayLoadInstruction load -> arrayLoad(load.typeKind());
            case ArrayStoreInstruction store -> arrayStore(store.typeKind());
            case FieldInstruction field -> field(field);
            case InvokeInstruction invoke -> invoke(invoke);
            case NopInstruction ignored -> { }
            case NewPrimitiveArrayInstruction array -> frame.push(privateArray(array));
            default -> throw error(describe(instruction) + " is not supported in kernels");
        }
    }

    private static String describe(Instruction instruction) {
        return switch (instruction.opcode()) {
            case NEW, ANEWARRAY, MULTIANEWARRAY -> "allocation (" + instruction.opcode().name().toLowerCase()
                    + "); use KernelContext.allocate*LocalArray for work-group memory and new float[n] (a "
                    + "primitive array of constant size) for the work-item's own";
            case ATHROW -> "throwing an exception";
            case MONITORENTER, MONITOREXIT -> "synchronized";
            case CHECKCAST, INSTANCEOF -> "a type check or cast of an object";
            case INVOKEDYNAMIC -> "a lambda or string concatenation (invokedynamic)";
            default -> "the instruction " + instruction.opcode().name().toLowerCase();
        };
    }

    private Value local(int slot) {
        Value v = frame.locals[slot];
        if (v == null) {
            throw error("local variable slot " + slot + " is read before it is written");
        }
        return v;
    }

    private Value constantOf(ConstantInstruction c) {
        Object value = c.constantValue();
        if (value == null || c.opcode() == Opcode.ACONST_NULL) {
            throw error("null in a kernel (arrays come from parameters, KernelContext.allocate*LocalArray or "
                    + "new with a constant size)");
        }
        return constant(value);
    }

    /**
     * {@code new float[n]} and the like: the work-item's own array, zero-filled as Java's. Its size must be a
     * compile-time constant (devices give it registers or a fixed private array).
     */
    private Value privateArray(NewPrimitiveArrayInstruction instruction) {
        Value size = popValue();
        if (!size.isConst() || size.longValue() < 0) {
            throw error("an allocation (new " + instruction.typeKind().name().toLowerCase() + "[n]) whose size is not "
                    + "a compile-time constant: a work-item's own array needs a literal, a static final, or a kernel "
                    + "argument marked constant as its size");
        }
        Value v = emit(Op.PRIVATE_ARRAY, Type.PTR_PRIVATE);
        v.mem = memType(instruction.typeKind());
        v.index = (int) size.longValue();
        return v;
    }

    private static final Map<Opcode, Op> BINARY = Map.ofEntries(
            Map.entry(Opcode.IADD, Op.ADD), Map.entry(Opcode.LADD, Op.ADD), Map.entry(Opcode.FADD, Op.ADD),
            Map.entry(Opcode.DADD, Op.ADD), Map.entry(Opcode.ISUB, Op.SUB), Map.entry(Opcode.LSUB, Op.SUB),
            Map.entry(Opcode.FSUB, Op.SUB), Map.entry(Opcode.DSUB, Op.SUB), Map.entry(Opcode.IMUL, Op.MUL),
            Map.entry(Opcode.LMUL, Op.MUL), Map.entry(Opcode.FMUL, Op.MUL), Map.entry(Opcode.DMUL, Op.MUL),
            Map.entry(Opcode.IDIV, Op.DIV), Map.entry(Opcode.LDIV, Op.DIV), Map.entry(Opcode.FDIV, Op.DIV),
            Map.entry(Opcode.DDIV, Op.DIV), Map.entry(Opcode.IREM, Op.REM), Map.entry(Opcode.LREM, Op.REM),
            Map.entry(Opcode.ISHL, Op.SHL), Map.entry(Opcode.LSHL, Op.SHL), Map.entry(Opcode.ISHR, Op.SHR),
            Map.entry(Opcode.LSHR, Op.SHR), Map.entry(Opcode.IUSHR, Op.USHR), Map.entry(Opcode.LUSHR, Op.USHR),
            Map.entry(Opcode.IAND, Op.AND), Map.entry(Opcode.LAND, Op.AND), Map.entry(Opcode.IOR, Op.OR),
            Map.entry(Opcode.LOR, Op.OR), Map.entry(Opcode.IXOR, Op.XOR), Map.entry(Opcode.LXOR, Op.XOR));

    private void operator(OperatorInstruction op) {
        Opcode code = op.opcode();
        switch (code) {
            case INEG, LNEG, FNEG, DNEG -> {
                Value a = popValue();
                frame.push(emit(Op.NEG, a.type, a));
            }
            case LCMP -> pushCompare3(0);
            case FCMPL, DCMPL -> pushCompare3(-1);
            case FCMPG, DCMPG -> pushCompare3(1);
            case ARRAYLENGTH -> frame.push(arrayLength(popValue()));
            case FREM, DREM -> throw error("floating-point remainder (%) is not supported in kernels");
            default -> {
                Op irOp = BINARY.get(code);
                if (irOp == null) {
                    throw error("the operator " + code.name().toLowerCase());
                }
                Value b = popValue();
                Value a = popValue();
                Value result = emit(irOp, a.type, a, b);
                if ((irOp == Op.DIV || irOp == Op.REM) && a.type.isInteger()) {
                    result.site = builder.method.site(at);
                }
                frame.push(result);
            }
        }
    }

    private void pushCompare3(int nanResult) {
        Value b = popValue();
        Value a = popValue();
        Value placeholder = builder.graph.create(Op.UNDEF, Type.I32);
        pendingCompares.put(placeholder, new Compare3(a, b, nanResult));
        frame.push(placeholder);
    }

    private Value arrayLength(Value array) {
        if (array.op == Op.TABLE) {
            return constant(((ConstantTable) array.constant).length());
        }
        if (array.type == Type.PTR_CONST) {
            throw error("the length of a static final array held in a local variable across a loop or branch; "
                    + "read the field's length directly (Class.FIELD.length), which is a compile-time constant");
        }
        if (array.op != Op.LOCAL_ARRAY && array.op != Op.PRIVATE_ARRAY) {
            throw error("the length of this array is not known at compile time (use getSize() on Loris arrays)");
        }
        return constant(array.index);
    }

    /** The condition under which a conditional branch jumps to its target. */
    Value branchCondition(BranchInstruction branch, int index) {
        at = index;
        return switch (branch.opcode()) {
            case IFEQ -> zeroTest(Cond.EQ);
            case IFNE -> zeroTest(Cond.NE);
            case IFLT -> zeroTest(Cond.LT);
            case IFGE -> zeroTest(Cond.GE);
            case IFGT -> zeroTest(Cond.GT);
            case IFLE -> zeroTest(Cond.LE);
            case IF_ICMPEQ -> twoTest(Cond.EQ);
            case IF_ICMPNE -> twoTest(Cond.NE);
            case IF_ICMPLT -> twoTest(Cond.LT);
            case IF_ICMPGE -> twoTest(Cond.GE);
            case IF_ICMPGT -> twoTest(Cond.GT);
            case IF_ICMPLE -> twoTest(Cond.LE);
            default -> throw error("comparing object references (" + branch.opcode().name().toLowerCase() + ")");
        };
    }

    private Value zeroTest(Cond cond) {
        Value v = frame.pop();
        Compare3 c = pendingCompares.remove(v);
        if (c != null) {
            // (a cmp b) cond 0 is a cond b when ordered; with a NaN the compare yields nanResult.
            return compare(cond, c.a(), c.b(), c.a().type.isFloat() && cond.test(c.nanResult()));
        }
        return compare(cond, v, constant(0), false);
    }

    private Value twoTest(Cond cond) {
        Value b = popValue();
        Value a = popValue();
        return compare(cond, a, b, false);
    }

    private void convert(ConvertInstruction convert) {
        Value a = popValue();
        Value result = switch (convert.toType()) {
            case BYTE -> emit(Op.SEXT8, Type.I32, a);
            case SHORT -> emit(Op.SEXT16, Type.I32, a);
            case CHAR -> emit(Op.ZEXT16, Type.I32, a);
            case INT -> emit(Op.CONVERT, Type.I32, a);
            case LONG -> emit(Op.CONVERT, Type.I64, a);
            case FLOAT -> emit(Op.CONVERT, Type.F32, a);
            case DOUBLE -> emit(Op.CONVERT, Type.F64, a);
            default -> throw error("conversion to " + convert.toType());
        };
        frame.push(result);
    }

    private void stack(Opcode code) {
        switch (code) {
            case POP -> frame.pop();
            case POP2 -> {
                if (Frame.category(frame.pop()) == 1) {
                    frame.pop();
                }
            }
            case DUP -> frame.push(frame.peek());
            case DUP_X1 -> {
                Value v1 = frame.pop();
                Value v2 = frame.pop();
                frame.push(v1);
                frame.push(v2);
                frame.push(v1);
            }
            case DUP_X2 -> dupX2();
            case DUP2 -> {
                Value v1 = frame.pop();
                if (Frame.category(v1) == 2) {
                    frame.push(v1);
                    frame.push(v1);
                } else {
                    Value v2 = frame.pop();
                    frame.push(v2);
                    frame.push(v1);
                    frame.push(v2);
                    frame.push(v1);
                }
            }
            case SWAP -> {
                Value v1 = frame.pop();
                Value v2 = frame.pop();
                frame.push(v1);
                frame.push(v2);
            }
            default -> throw error("the stack instruction " + code.name().toLowerCase()
                    + " (javac does not emit it for kernel code; write the expression in simpler steps)");
        }
    }

    private void dupX2() {
        Value v1 = frame.pop();
        Value v2 = frame.pop();
        if (Frame.category(v2) == 2) {
            frame.push(v1);
            frame.push(v2);
            frame.push(v1);
        } else {
            Value v3 = frame.pop();
            frame.push(v1);
            frame.push(v3);
            frame.push(v2);
            frame.push(v1);
        }
    }

    /** The element type in memory of a Java array of {@code kind}; null for references. */
    static MemType memType(TypeKind kind) {
        return switch (kind) {
            case BYTE, BOOLEAN -> MemType.I8;
            case SHORT -> MemType.I16;
            case CHAR -> MemType.U16;
            case INT -> MemType.I32;
            case LONG -> MemType.I64;
            case FLOAT -> MemType.F32;
            case DOUBLE -> MemType.F64;
            default -> null;
        };
    }

    private void arrayLoad(TypeKind kind) {
        Value index = popValue();
        Value array = popValue();
        checkJavaArray(array, kind);
        frame.push(load(array, index, memType(kind)));
    }

    private void arrayStore(TypeKind kind) {
        Value value = popValue();
        Value index = popValue();
        Value array = popValue();
        checkJavaArray(array, kind);
        checkWritable(array);
        store(array, index, value, memType(kind));
    }

    /**
     * Kernels index three kinds of Java array: work-group local arrays, the work-item's own arrays and static
     * final constant tables.
     */
    private void checkJavaArray(Value array, TypeKind kind) {
        if (memType(kind) == null) {
            throw error("arrays of objects");
        }
        if (array.type != Type.PTR_LOCAL && array.type != Type.PTR_CONST && array.type != Type.PTR_PRIVATE) {
            throw error("Java arrays other than those from KernelContext.allocate*LocalArray, new float[n] (and "
                    + "other primitive arrays of constant size) and static final primitive arrays");
        }
    }

    /** A constant table is a snapshot taken at compile time: writing it could only diverge from the JVM. */
    void checkWritable(Value array) {
        if (array.type == Type.PTR_CONST) {
            String field = array.op == Op.TABLE ? ((ConstantTable) array.constant).field() : "(a local variable)";
            throw error("writing to the static final array " + field
                    + ": kernels see a copy taken at compile time (a constant table), so they may only read it");
        }
    }

    Value load(Value pointer, Value index, MemType mem) {
        Value v = emit(Op.LOAD, mem.valueType(), pointer, index);
        v.mem = mem;
        return v;
    }

    void store(Value pointer, Value index, Value value, MemType mem) {
        Value v = emit(Op.STORE, Type.VOID, pointer, index, value);
        v.mem = mem;
    }

    private void field(FieldInstruction field) {
        String owner = field.owner().asInternalName();
        String name = field.name().stringValue();
        switch (field.opcode()) {
            case GETFIELD -> {
                Intrinsic intrinsic = Intrinsics.field(owner, name);
                if (intrinsic == null) {
                    throw error("reading the field " + owner.replace('/', '.') + "." + name);
                }
                frame.push(intrinsic.expand(this, List.of(popValue())));
            }
            case GETSTATIC -> frame.push(staticValue(owner, name));
            default -> throw error("writing the field " + owner.replace('/', '.') + "." + name
                    + " (kernels write only through arrays)");
        }
    }

    /**
     * A static final field: a constant, or for a primitive array its table, made once per kernel and placed in
     * the entry block so every use is dominated by it.
     */
    private Value staticValue(String owner, String name) {
        Object value = StaticConstants.read(builder.inline.loader, owner, name, this);
        if (!(value instanceof ConstantTable table)) {
            return constant(value);
        }
        return builder.inline.tables.computeIfAbsent(table.field(), field -> {
            checkTableBytes(table);
            Block entry = builder.graph.entry();
            Value v = builder.graph.create(Op.TABLE, Type.PTR_CONST);
            v.constant = table;
            v.mem = table.element();
            v.block = entry;
            v.line = line();
            entry.values.addFirst(v);
            return v;
        });
    }

    /** All tables of a kernel share OpenCL's guaranteed constant memory. */
    private void checkTableBytes(ConstantTable added) {
        long bytes = added.bytes();
        for (Value table : builder.inline.tables.values()) {
            bytes += ((ConstantTable) table.constant).bytes();
        }
        if (bytes > ConstantTable.MAX_BYTES) {
            throw error("the static final arrays this kernel reads hold " + bytes + " bytes with " + added.field()
                    + "; constant tables are limited to " + ConstantTable.MAX_BYTES + " bytes per kernel (OpenCL's "
                    + "guaranteed constant memory): pass larger data as a Loris array argument");
        }
    }

    private void invoke(InvokeInstruction invoke) {
        String owner = invoke.owner().asInternalName();
        String name = invoke.name().stringValue();
        String descriptor = invoke.typeSymbol().descriptorString();
        int argCount = invoke.typeSymbol().parameterCount() + (invoke.opcode() == Opcode.INVOKESTATIC ? 0 : 1);
        Intrinsic intrinsic = Intrinsics.method(owner, name, descriptor);
        List<Value> args = popArguments(argCount);
        if (intrinsic != null) {
            Value result = intrinsic.expand(this, args);
            if (result != null) {
                frame.push(result);
            }
            return;
        }
        if (invoke.opcode() != Opcode.INVOKESTATIC) {
            throw error("calling " + owner.replace('/', '.') + "." + name + " (only static helper methods, "
                    + "KernelContext, Loris arrays and TornadoMath can be called)");
        }
        if ((owner.equals("java/lang/Math") || owner.equals("java/lang/StrictMath")) && name.endsWith("Exact")) {
            throw error(owner.replace('/', '.') + "." + name + " throws ArithmeticException on overflow, which a "
                    + "kernel cannot: use the plain operator (which wraps) and check the range where it matters");
        }
        Value result = inlineCall(owner, name, descriptor, args);
        if (result != null) {
            frame.push(result);
        }
    }

    /**
     * An error inside an inlined method, restated at this call: the kernel's (or the outer helper's) method
     * and line first, then where in the callee it failed. A JDK method that cannot be compiled is named as the
     * call the kernel made, whatever went wrong deep inside it.
     */
    private dev.loris.tornado.compiler.KernelCompileException calledFromHere(
            dev.loris.tornado.compiler.KernelCompileException inner, String callee) {
        String here = builder.method.where(at);
        boolean jdk = callee.startsWith("java.") && !here.startsWith("java.");
        String problem = jdk ? "calling " + callee.substring(0, callee.indexOf('(')) + ", which kernels cannot use ("
                + inner.where() + ": " + inner.problem() + "); kernels may call the math in TornadoMath"
                : "in " + inner.where() + ": " + inner.problem();
        return new dev.loris.tornado.compiler.KernelCompileException(here, problem);
    }

    /** Whether the target wants {@code op} compiled from its PortableMath Java body (see MathExpansion). */
    boolean expandsInJava(Op op) {
        return builder.inline.expandInJava.contains(op);
    }

    Value inlineCall(String owner, String name, String descriptor, List<Value> args) {
        String key = owner.replace('/', '.') + "." + name + descriptor;
        if (!builder.inline.enter(key)) {
            throw error("recursion or calls nested too deeply: " + key + " <- " + builder.inline.chain());
        }
        try {
            Class<?> ownerClass = Class.forName(owner.replace('/', '.'), false, builder.inline.loader);
            BytecodeMethod callee = BytecodeMethod.load(ownerClass, name, descriptor);
            Frame calleeFrame = new Frame(callee.maxLocals);
            int slot = 0;
            for (Value arg : args) {
                calleeFrame.locals[slot] = arg;
                slot += Frame.category(arg);
            }
            Block continuation = builder.graph.newBlock();
            GraphBuilder nested = new GraphBuilder(builder.graph, callee, builder.inline, continuation);
            Value result;
            try {
                result = nested.build(block, calleeFrame);
            } catch (dev.loris.tornado.compiler.KernelCompileException inner) {
                throw calledFromHere(inner, key);
            }
            block = continuation;
            return result;
        } catch (ClassNotFoundException e) {
            throw error("cannot load " + owner.replace('/', '.') + " to inline " + name);
        } finally {
            builder.inline.exit();
        }
    }
}
