package dev.loris.tornado.compiler.ir;

import java.util.ArrayList;
import java.util.List;

/**
 * A basic block: phis, then straight-line values, then one terminator: a jump, a two-way branch on a PRED
 * value (successor 0 when true), or a return. Phi inputs are ordered like {@link #predecessors}.
 */
public final class Block {
    public enum Exit { JUMP, BRANCH, RETURN }

    public final int id;
    public final List<Value> phis = new ArrayList<>();
    public final List<Value> values = new ArrayList<>();
    public final List<Block> predecessors = new ArrayList<>();
    public final List<Block> successors = new ArrayList<>();
    public Exit exit = Exit.RETURN;
    public Value condition; // BRANCH only

    Block(int id) {
        this.id = id;
    }

    public void jumpTo(Block target) {
        exit = Exit.JUMP;
        condition = null;
        successors.clear();
        successors.add(target);
        target.predecessors.add(this);
    }

    public void branch(Value predicate, Block ifTrue, Block ifFalse) {
        exit = Exit.BRANCH;
        condition = predicate;
        successors.clear();
        successors.add(ifTrue);
        successors.add(ifFalse);
        ifTrue.predecessors.add(this);
        ifFalse.predecessors.add(this);
    }

    public void returns() {
        exit = Exit.RETURN;
        condition = null;
        successors.clear();
    }

    @Override
    public String toString() {
        return "b" + id;
    }
}
