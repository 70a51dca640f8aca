package dev.walnut.graph;

import dev.walnut.DType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The static memory plan of a graph for one set of concrete sizes: which node outputs live in
 * which arena buffer. A value gets a buffer when its node can write into a preallocated tensor
 * ({@link dev.walnut.ops.OpDef#hasOutKernel}), it is not a view of another value, and it does not
 * reach the caller (an output, or a value an output is a view of: those are fresh tensors on
 * each call, so the next call never overwrites what a caller holds). A value's lifetime runs
 * from its node to the last node that reads it or any view of it; values whose lifetimes do not
 * overlap share a buffer (greedy, in program order, best fit by size, one pool per dtype). A
 * node's outputs never share a buffer with its inputs: buffers are released after the node.
 *
 * <pre>{@code
 * // x -> exp -> tanh -> exp -> out: %0 and %2 share buffer 0, %1 has buffer 1, %3 is fresh.
 * MemoryPlan p = MemoryPlan.plan(graph, sizes, aliasOf, hasOutKernel);
 * p.buffers();        // 2
 * p.bufferOf(id);     // -1 for a value that is not in the arena
 * }</pre>
 */
final class MemoryPlan {
    private final int[] bufferOf;
    private final long[] capacity;
    private final DType[] dtypes;
    private final boolean[] escapes;
    private final int[] root;

    private MemoryPlan(int[] bufferOf, long[] capacity, DType[] dtypes, boolean[] escapes, int[] root) {
        this.bufferOf = bufferOf;
        this.capacity = capacity;
        this.dtypes = dtypes;
        this.escapes = escapes;
        this.root = root;
    }

    /**
     * Plans {@code g} for symbol values {@code sizes}. {@code aliasOf[v]} is the value id that node
     * output {@code v} is a view of (seen on a run: it shares that input's storage), or -1;
     * {@code outKernel[i]} says whether node {@code i} writes into preallocated outputs.
     */
    static MemoryPlan plan(Graph g, long[] sizes, int[] aliasOf, boolean[] outKernel) {
        List<Value> values = g.values();
        List<Node> nodes = g.nodes();
        int count = values.size();
        int[] root = new int[count];
        for (int v = 0; v < count; v++) {
            root[v] = aliasOf[v] >= 0 ? root[aliasOf[v]] : v; // ids grow in program order, so the alias is done
        }
        boolean[] escapes = new boolean[count];
        for (Value o : g.outputs()) {
            escapes[root[o.id()]] = true;
        }
        int[] lastUse = new int[count];
        Arrays.fill(lastUse, -1);
        for (int i = 0; i < nodes.size(); i++) {
            for (Value in : nodes.get(i).inputs()) {
                lastUse[root[in.id()]] = i;
            }
        }
        int[] bufferOf = new int[count];
        Arrays.fill(bufferOf, -1);
        List<Long> caps = new ArrayList<>();
        List<DType> types = new ArrayList<>();
        List<Integer> free = new ArrayList<>();
        List<List<Integer>> releaseAfter = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            releaseAfter.add(new ArrayList<>());
        }
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            for (Value out : n.outputs()) {
                int v = out.id();
                if (!outKernel[i] || root[v] != v || escapes[v]) {
                    continue;
                }
                long numel = 1;
                for (Dim d : out.dims()) {
                    numel *= d.eval(sizes);
                }
                int b = pick(free, caps, types, out.dtype(), numel);
                if (b < 0) {
                    b = caps.size();
                    caps.add(numel);
                    types.add(out.dtype());
                } else {
                    free.remove((Integer) b);
                    caps.set(b, Math.max(caps.get(b), numel));
                }
                bufferOf[v] = b;
                releaseAfter.get(Math.max(i, lastUse[v])).add(b);
            }
            free.addAll(releaseAfter.get(i));
        }
        return new MemoryPlan(bufferOf, caps.stream().mapToLong(Long::longValue).toArray(), types.toArray(DType[]::new),
                escapes, root);
    }

    /** The free buffer of {@code dtype} that fits {@code numel} most tightly, else the largest one to grow, else -1. */
    private static int pick(List<Integer> free, List<Long> caps, List<DType> types, DType dtype, long numel) {
        int best = -1;
        int largest = -1;
        for (int b : free) {
            if (types.get(b) != dtype) {
                continue;
            }
            if (caps.get(b) >= numel && (best < 0 || caps.get(b) < caps.get(best))) {
                best = b;
            }
            if (largest < 0 || caps.get(b) > caps.get(largest)) {
                largest = b;
            }
        }
        return best >= 0 ? best : largest;
    }

    /** Number of buffers in one arena. */
    int buffers() {
        return capacity.length;
    }

    /** Elements of buffer {@code b}. */
    long capacity(int b) {
        return capacity[b];
    }

    /** The dtype of buffer {@code b}. */
    DType dtype(int b) {
        return dtypes[b];
    }

    /** The buffer value {@code id} lives in, or -1 when it is not in the arena. */
    int bufferOf(int id) {
        return bufferOf[id];
    }

    /** True when value {@code id} reaches the caller (it is an output or an output views it). */
    boolean escapes(int id) {
        return escapes[root[id]];
    }

    /** Bytes one arena holds. */
    long bytes() {
        long sum = 0;
        for (int b = 0; b < capacity.length; b++) {
            sum += capacity[b] * dtypes[b].byteSize();
        }
        return sum;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("MemoryPlan(" + capacity.length + " buffer(s), " + bytes() + " bytes):");
        for (int b = 0; b < capacity.length; b++) {
            sb.append("\n  buffer ").append(b).append(": ").append(dtypes[b]).append('[').append(capacity[b]).append("] <-");
            for (int v = 0; v < bufferOf.length; v++) {
                if (bufferOf[v] == b) {
                    sb.append(" %").append(v);
                }
            }
        }
        return sb.toString();
    }
}
