package dev.loris.tornado.compiler.frontend;

import dev.loris.tornado.compiler.ir.Block;
import dev.loris.tornado.compiler.ir.Cond;
import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.compiler.ir.Op;
import dev.loris.tornado.compiler.ir.Type;
import dev.loris.tornado.compiler.ir.Value;

import java.lang.classfile.Instruction;
import java.lang.classfile.instruction.BranchInstruction;
import java.lang.classfile.instruction.LookupSwitchInstruction;
import java.lang.classfile.instruction.ReturnInstruction;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.classfile.instruction.TableSwitchInstruction;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns one method's bytecode into SSA inside a {@link Graph}, by abstract interpretation over its basic
 * blocks in reverse postorder. Every merge block gets a phi per local and stack slot; the phis that turn out
 * trivial are removed afterwards ({@code SsaCleanup}), which gives minimal SSA for the reducible control flow
 * javac produces. Static calls are inlined by building the callee into the same graph with a nested builder.
 *
 * <p>The instructions themselves are translated by {@link InstructionTranslator}; this class owns blocks,
 * edges, phis and returns.
 */
final class GraphBuilder {
    final Graph graph;
    final BytecodeMethod method;
    final InlineContext inline;

    private final Block[] entryBlocks;
    private final Frame[] entryFrames;
    /** The frame each IR block had when it jumped into the entry of a bytecode block. */
    private final Map<Block, Frame> exitFrames = new HashMap<>();
    /** Inlined methods: the value each returning IR block returns. */
    private final Map<Block, Value> returns = new LinkedHashMap<>();
    private final Block continuation;
    /**
     * Local arrays and constant tables merged without a phi, so that their compile-time length stays known:
     * (block, slot, reference), checked against the back edges at the end.
     */
    private final List<KeptReference> keptReferences = new ArrayList<>();

    private record KeptReference(Block block, int slot, Value reference) {
    }

    /**
     * @param continuation where returns jump; null for the kernel itself (returns end the kernel)
     */
    GraphBuilder(Graph graph, BytecodeMethod method, InlineContext inline, Block continuation) {
        this.graph = graph;
        this.method = method;
        this.inline = inline;
        this.continuation = continuation;
        this.entryBlocks = new Block[method.blockCount()];
        this.entryFrames = new Frame[method.blockCount()];
    }

    /**
     * Builds the method, entered from {@code from} (which jumps to its first block) with {@code initial}.
     * Returns the value the method returns (a phi when several returns), or null for void.
     */
    Value build(Block from, Frame initial) {
        List<Integer> order = reversePostorder();
        Map<Integer, Integer> predecessorCount = countPredecessors(order);
        for (int b : order) {
            entryBlocks[b] = graph.newBlock();
        }
        exitFrames.put(from, initial);
        from.jumpTo(entryBlocks[0]);
        predecessorCount.merge(0, 1, Integer::sum);

        List<Integer> merges = new ArrayList<>();
        for (int b : order) {
            Frame entry;
            if (predecessorCount.get(b) == 1) {
                entry = exitFrames.get(entryBlocks[b].predecessors.getFirst()).copy();
            } else {
                entry = mergeFrame(entryBlocks[b]);
                merges.add(b);
            }
            entryFrames[b] = entry;
            translate(b, entry.copy());
        }
        for (int b : merges) {
            fillPhis(b);
        }
        checkKeptReferences();
        return returnValue();
    }

    /**
     * Phis for every slot defined on some already-translated incoming edge; inputs are filled at the end. A
     * local array or constant table that every known edge agrees on is kept as it is (a local array live
     * across the loop before a block reduction, a table parameter of a helper live across its loop), so that
     * its length stays a compile-time constant; the back edges, translated later, are checked in
     * {@link #checkKeptReferences}.
     */
    private Frame mergeFrame(Block block) {
        Frame known = null;
        for (Block pred : block.predecessors) {
            if (exitFrames.containsKey(pred)) {
                known = exitFrames.get(pred);
                break;
            }
        }
        if (known == null) {
            throw new IllegalStateException("merge block " + block + " has no translated predecessor");
        }
        Frame frame = known.copy();
        for (int s = 0; s < frame.slotCount(); s++) {
            Value v = known.slot(s);
            if (v != null && (v.type == Type.PTR_CONST || isWorkItemArray(v))
                    && !anyPredecessorDiffers(block, s, v)) {
                keptReferences.add(new KeptReference(block, s, v));
            } else if (v != null && v.type != Type.VOID && !isWorkItemArray(v)) {
                Value phi = graph.addPhi(block, v.type);
                String arrayClass = inline.arrayClasses.get(v);
                if (arrayClass != null) { // a floating-point array: the phi keeps its class (checked in fillPhis)
                    inline.arrayClasses.put(phi, arrayClass);
                }
                frame.setSlot(s, phi);
            } else if (v != null && anyPredecessorDiffers(block, s, v)) {
                throw method.error(-1, "a KernelContext or array reference that differs between paths");
            }
        }
        return frame;
    }

    /** Local and private arrays: their identity (and length) is fixed where they are made, never a phi. */
    private static boolean isWorkItemArray(Value v) {
        return v.op == Op.LOCAL_ARRAY || v.op == Op.PRIVATE_ARRAY;
    }

    private boolean anyPredecessorDiffers(Block block, int slot, Value value) {
        for (Block pred : block.predecessors) {
            Frame f = exitFrames.get(pred);
            if (f != null && f.slot(slot) != value) {
                return true;
            }
        }
        return false;
    }

    /**
     * A table kept without a phi must be the same table on the edges translated after the merge. Another
     * table there would be a choice between tables at run time; anything else in the slot is a variable out
     * of scope (javac reuses slots), which the merged code cannot read.
     */
    private void checkKeptReferences() {
        for (KeptReference kept : keptReferences) {
            for (Block pred : kept.block().predecessors) {
                Frame f = exitFrames.get(pred);
                Value in = f == null || kept.slot() >= f.slotCount() ? null : f.slot(kept.slot());
                if (in != null && in.type == kept.reference().type && in != kept.reference()) {
                    throw method.error(-1, isWorkItemArray(kept.reference())
                            ? "a " + (kept.reference().op == Op.LOCAL_ARRAY ? "local" : "private") + " array reference "
                                    + "that differs between paths (allocate one array per use and index it instead "
                                    + "of switching arrays)"
                            : "a variable that holds different static final arrays around a loop; kernels read "
                                    + "tables whose identity is known at compile time");
                }
            }
        }
    }

    private void fillPhis(int b) {
        Frame entry = entryFrames[b];
        Block block = entryBlocks[b];
        for (int s = 0; s < entry.slotCount(); s++) {
            Value phi = entry.slot(s);
            if (phi == null || phi.op != Op.PHI || phi.block != block) {
                continue;
            }
            for (Block pred : block.predecessors) {
                Frame f = exitFrames.get(pred);
                Value in = f == null || s >= f.slotCount() ? null : f.slot(s);
                phi.inputs.add(in != null && in.type == phi.type ? in : undefined(phi.type));
                String arrayClass = inline.arrayClasses.get(phi);
                if (arrayClass != null && in != null && inline.arrayClasses.containsKey(in)
                        && !arrayClass.equals(inline.arrayClasses.get(in))) {
                    throw method.error(-1, "a variable that holds floating-point arrays of different element types ("
                            + arrayClass + ", " + inline.arrayClasses.get(in) + ") on different paths");
                }
            }
            Value lengthPhi = inline.arrayLengths.get(phi);
            if (lengthPhi != null) { // getSize() met this phi before its inputs were known
                fillLengthPhi(phi, lengthPhi);
            }
        }
    }

    /**
     * The element count (I64) of a Loris array value: a parameter's hidden length parameter, or, for a phi
     * of arrays (an array chosen at run time, or any array after a merge of control flow), a phi of their
     * lengths, made on first use so that kernels that never ask pay nothing. Null for an undefined array.
     */
    Value arrayLength(Value array) {
        Value length = inline.arrayLengths.get(array);
        if (length == null && array.op == Op.PHI && array.type == Type.PTR_GLOBAL) {
            length = graph.addPhi(array.block, Type.I64);
            inline.arrayLengths.put(array, length);
            if (!array.inputs.isEmpty()) { // else the merge's fillPhis fills it with the array phi
                fillLengthPhi(array, length);
            }
        }
        return length;
    }

    /** One input per input of {@code arrayPhi}: that array's length, undefined for an undefined array. */
    private void fillLengthPhi(Value arrayPhi, Value lengthPhi) {
        for (Value in : arrayPhi.inputs) {
            Value length = arrayLength(in);
            lengthPhi.inputs.add(length != null ? length : undefined(Type.I64));
        }
    }

    Value undefined(Type type) {
        Block entry = graph.entry();
        Value undef = graph.create(Op.UNDEF, type);
        undef.block = entry;
        entry.values.addFirst(undef);
        return undef;
    }

    private void translate(int b, Frame frame) {
        InstructionTranslator translator = new InstructionTranslator(this, entryBlocks[b], frame);
        int end = method.blockEnd(b);
        for (int i = method.blockStarts.get(b); i < end - 1; i++) {
            translator.translate(i);
        }
        Instruction last = method.instructions.get(end - 1);
        switch (last) {
            case BranchInstruction branch when !BytecodeMethod.isConditional(branch) ->
                    jump(translator.block(), frame, method.blockOf(method.target(branch.target())));
            case BranchInstruction branch -> {
                Value predicate = translator.branchCondition(branch, end - 1);
                Block current = translator.block();
                List<Integer> succ = method.successors(b);
                exitFrames.put(current, frame);
                current.branch(predicate, entryBlocks[succ.get(0)], entryBlocks[succ.get(1)]);
            }
            case TableSwitchInstruction table -> switchChain(translator, frame, table.cases(),
                    table.defaultTarget(), end - 1);
            case LookupSwitchInstruction lookup -> switchChain(translator, frame, lookup.cases(),
                    lookup.defaultTarget(), end - 1);
            case ReturnInstruction ret -> {
                Value result = ret.typeKind() == java.lang.classfile.TypeKind.VOID ? null : translator.popValue();
                finishReturn(translator.block(), result);
            }
            default -> {
                translator.translate(end - 1);
                jump(translator.block(), frame, b + 1);
            }
        }
    }

    private void jump(Block from, Frame frame, int targetBlock) {
        exitFrames.put(from, frame);
        from.jumpTo(entryBlocks[targetBlock]);
    }

    /** A switch becomes a chain of equality tests, one block each, ending in the default target. */
    private void switchChain(InstructionTranslator translator, Frame frame, List<SwitchCase> cases,
                             java.lang.classfile.Label defaultTarget, int at) {
        Value key = translator.popValue();
        Block current = translator.block();
        for (SwitchCase c : cases) {
            Value constant = graph.append(current, Op.CONST, Type.I32);
            constant.constant = c.caseValue();
            Value test = graph.append(current, Op.CMP, Type.PRED, key, constant);
            test.cond = Cond.EQ;
            test.line = method.lines.get(at);
            Block next = graph.newBlock();
            exitFrames.put(current, frame);
            current.branch(test, entryBlocks[method.blockOf(method.target(c.target()))], next);
            current = next;
        }
        jump(current, frame, method.blockOf(method.target(defaultTarget)));
    }

    private void finishReturn(Block from, Value result) {
        if (continuation == null) {
            from.returns();
            return;
        }
        returns.put(from, result);
        from.jumpTo(continuation);
    }

    private Value returnValue() {
        if (continuation == null || returns.isEmpty() || returns.values().iterator().next() == null) {
            return null;
        }
        if (returns.size() == 1) {
            return returns.values().iterator().next();
        }
        Value first = returns.values().iterator().next();
        Value phi = graph.addPhi(continuation, first.type);
        for (Block pred : continuation.predecessors) {
            phi.inputs.add(returns.get(pred));
        }
        return phi;
    }

    private List<Integer> reversePostorder() {
        List<Integer> post = new ArrayList<>();
        boolean[] seen = new boolean[method.blockCount()];
        postorder(0, seen, post);
        return post.reversed();
    }

    private void postorder(int b, boolean[] seen, List<Integer> out) {
        // Iterative, so deeply nested kernels cannot overflow the Java stack.
        record Item(int block, int next) { }
        java.util.ArrayDeque<Item> work = new java.util.ArrayDeque<>();
        seen[b] = true;
        work.push(new Item(b, 0));
        while (!work.isEmpty()) {
            Item top = work.pop();
            List<Integer> succ = method.successors(top.block());
            if (top.next() < succ.size()) {
                work.push(new Item(top.block(), top.next() + 1));
                int s = succ.get(top.next());
                if (!seen[s]) {
                    seen[s] = true;
                    work.push(new Item(s, 0));
                }
            } else {
                out.add(top.block());
            }
        }
    }

    private Map<Integer, Integer> countPredecessors(List<Integer> reachable) {
        Map<Integer, Integer> count = new HashMap<>();
        for (int b : reachable) {
            count.putIfAbsent(b, 0);
        }
        for (int b : reachable) {
            for (int s : method.successors(b)) {
                count.merge(s, 1, Integer::sum);
            }
        }
        return count;
    }
}
