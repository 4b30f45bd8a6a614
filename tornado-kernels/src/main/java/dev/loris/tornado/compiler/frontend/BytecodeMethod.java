package dev.loris.tornado.compiler.frontend;

import dev.loris.tornado.compiler.KernelCompileException;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeElement;
import java.lang.classfile.CodeModel;
import java.lang.classfile.Instruction;
import java.lang.classfile.Label;
import java.lang.classfile.MethodModel;
import java.lang.classfile.instruction.BranchInstruction;
import java.lang.classfile.instruction.ExceptionCatch;
import java.lang.classfile.instruction.LabelTarget;
import java.lang.classfile.instruction.LineNumber;
import java.lang.classfile.instruction.LocalVariable;
import java.lang.classfile.instruction.LookupSwitchInstruction;
import java.lang.classfile.instruction.ReturnInstruction;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.classfile.instruction.TableSwitchInstruction;
import java.lang.classfile.instruction.ThrowInstruction;
import java.lang.constant.MethodTypeDesc;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A method's bytecode read with the JDK ClassFile API and cut into basic blocks: the instructions in order,
 * the source line of each, and for each block its first instruction and successors (by block number).
 * No types or values yet: {@link GraphBuilder} interprets the blocks into SSA.
 */
final class BytecodeMethod {
    final String owner;       // internal name, e.g. dev/loris/tornado/kernels/Axpy
    final String name;
    /** The SourceFile attribute (javac writes it unless -g:none), or null. */
    final String sourceFile;
    final MethodTypeDesc type;
    final boolean isStatic;
    final int maxLocals;
    final List<Instruction> instructions = new ArrayList<>();
    final List<Integer> lines = new ArrayList<>();
    /** Start instruction index of each block, ascending; block b covers [starts[b], starts[b+1]). */
    final List<Integer> blockStarts = new ArrayList<>();
    private final Map<Label, Integer> labelIndex = new HashMap<>();
    /** Names from the local variable table (javac -g), first name per slot: the parameters' names. */
    final Map<Integer, String> variableNames = new HashMap<>();

    private BytecodeMethod(String owner, String sourceFile, MethodModel method, CodeModel code) {
        this.owner = owner;
        this.sourceFile = sourceFile;
        this.name = method.methodName().stringValue();
        this.type = method.methodTypeSymbol();
        this.isStatic = method.flags().has(java.lang.reflect.AccessFlag.STATIC);
        this.maxLocals = ((java.lang.classfile.attribute.CodeAttribute) code).maxLocals();
        int line = -1;
        List<Label> pendingLabels = new ArrayList<>();
        List<ExceptionCatch> catches = new ArrayList<>();
        for (CodeElement element : code) {
            switch (element) {
                case LabelTarget target -> pendingLabels.add(target.label());
                case LineNumber number -> line = number.line();
                case LocalVariable variable -> variableNames.putIfAbsent(variable.slot(), variable.name().stringValue());
                case ExceptionCatch handler -> catches.add(handler);
                case Instruction instruction -> {
                    for (Label label : pendingLabels) {
                        labelIndex.put(label, instructions.size());
                    }
                    pendingLabels.clear();
                    instructions.add(instruction);
                    lines.add(line);
                }
                default -> { } // local variable tables, stack maps: not needed
            }
        }
        for (int i = 0; i < instructions.size(); i++) {
            if (instructions.get(i).opcode() == java.lang.classfile.Opcode.MONITORENTER) {
                throw error(lines.get(i), "synchronized is not supported in kernels (work-items coordinate through "
                        + "KernelContext barriers and atomics)");
            }
        }
        if (!catches.isEmpty()) {
            Integer tryStart = labelIndex.get(catches.getFirst().tryStart());
            throw error(tryStart == null ? -1 : lines.get(tryStart), "try/catch and try/finally are not supported "
                    + "in kernels (a kernel cannot throw; Loris reports division by zero after the launch)");
        }
        findBlocks();
    }

    /** Reads {@code owner.name} with descriptor {@code descriptor} from the class file its loader provides. */
    static BytecodeMethod load(Class<?> owner, String name, String descriptor) {
        String resource = owner.getName().replace('.', '/') + ".class";
        ClassLoader loader = owner.getClassLoader() != null ? owner.getClassLoader() : ClassLoader.getSystemClassLoader();
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new KernelCompileException(owner.getName() + "." + name, "class file " + resource + " not found");
            }
            ClassModel model = ClassFile.of().parse(in.readAllBytes());
            for (MethodModel method : model.methods()) {
                if (method.methodName().equalsString(name) && method.methodType().equalsString(descriptor)) {
                    CodeModel code = method.code().orElseThrow(() -> new KernelCompileException(
                            owner.getName() + "." + name, "the method has no code (abstract or native)"));
                    String sourceFile = model.findAttribute(Attributes.sourceFile())
                            .map(attribute -> attribute.sourceFile().stringValue()).orElse(null);
                    return new BytecodeMethod(model.thisClass().asInternalName(), sourceFile, method, code);
                }
            }
            throw new KernelCompileException(owner.getName() + "." + name + descriptor, "no such method");
        } catch (IOException e) {
            throw new KernelCompileException(owner.getName() + "." + name, "cannot read " + resource + ": " + e);
        }
    }

    String where(int instruction) {
        int line = instruction >= 0 && instruction < lines.size() ? lines.get(instruction) : -1;
        return owner.replace('/', '.') + "." + name + (line >= 0 ? " (line " + line + ")" : "");
    }

    /** Instruction {@code instruction} as a stack frame would show it: class, method, file and line. */
    StackTraceElement site(int instruction) {
        return new StackTraceElement(owner.replace('/', '.'), name, sourceFile, lines.get(instruction));
    }

    KernelCompileException error(int line, String problem) {
        return new KernelCompileException(owner.replace('/', '.') + "." + name
                + (line >= 0 ? " (line " + line + ")" : ""), problem);
    }

    int target(Label label) {
        return labelIndex.get(label);
    }

    int blockCount() {
        return blockStarts.size();
    }

    int blockEnd(int block) {
        return block + 1 < blockStarts.size() ? blockStarts.get(block + 1) : instructions.size();
    }

    int blockOf(int instruction) {
        int b = java.util.Collections.binarySearch(blockStarts, instruction);
        if (b < 0) {
            throw new IllegalStateException("instruction " + instruction + " does not start a block");
        }
        return b;
    }

    /** Successor blocks of a block, in the order the builder expects (branch: taken, then fall-through). */
    List<Integer> successors(int block) {
        int last = blockEnd(block) - 1;
        Instruction end = instructions.get(last);
        List<Integer> result = new ArrayList<>();
        switch (end) {
            case BranchInstruction branch -> {
                result.add(blockOf(target(branch.target())));
                if (isConditional(branch)) {
                    result.add(blockOf(last + 1));
                }
            }
            case TableSwitchInstruction table -> {
                for (SwitchCase c : table.cases()) {
                    result.add(blockOf(target(c.target())));
                }
                result.add(blockOf(target(table.defaultTarget())));
            }
            case LookupSwitchInstruction lookup -> {
                for (SwitchCase c : lookup.cases()) {
                    result.add(blockOf(target(c.target())));
                }
                result.add(blockOf(target(lookup.defaultTarget())));
            }
            case ReturnInstruction ignored -> { }
            case ThrowInstruction ignored -> { }
            default -> result.add(block + 1);
        }
        return result;
    }

    static boolean isConditional(BranchInstruction branch) {
        return switch (branch.opcode()) {
            case GOTO, GOTO_W -> false;
            default -> true;
        };
    }

    private void findBlocks() {
        TreeSet<Integer> starts = new TreeSet<>();
        starts.add(0);
        for (int i = 0; i < instructions.size(); i++) {
            switch (instructions.get(i)) {
                case BranchInstruction branch -> {
                    starts.add(target(branch.target()));
                    starts.add(i + 1);
                }
                case TableSwitchInstruction table -> {
                    table.cases().forEach(c -> starts.add(target(c.target())));
                    starts.add(target(table.defaultTarget()));
                    starts.add(i + 1);
                }
                case LookupSwitchInstruction lookup -> {
                    lookup.cases().forEach(c -> starts.add(target(c.target())));
                    starts.add(target(lookup.defaultTarget()));
                    starts.add(i + 1);
                }
                case ReturnInstruction ignored -> starts.add(i + 1);
                case ThrowInstruction ignored -> starts.add(i + 1);
                default -> { }
            }
        }
        starts.removeIf(s -> s >= instructions.size());
        blockStarts.addAll(starts);
    }
}
