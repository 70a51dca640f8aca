package dev.walnut.graph;

import dev.walnut.DType;
import dev.walnut.ops.FusedOps;
import dev.walnut.ops.ViewOps;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Folds the sequence-first layout of an imported {@code MultiheadAttention} into its fused
 * attention, so no activation is copied between the projections. PyTorch runs attention on
 * {@code [L, B, E]} rows: the input projection's output is sliced into q, k and v, each split
 * into heads ({@code reshape} to {@code [L, B*H, d]}, {@code permute} to {@code [B*H, L, d]}),
 * and the attention's output goes back the same way ({@code permute}, {@code reshape} to
 * {@code [L*B, E]}) into the out-projection, whose output is permuted to the batch-first
 * {@code [B, L, E]}; with a batch of more than one, each of those reshapes of a permuted view
 * copies the activation. After {@link AttentionFusion}, a {@code fusedAttention} whose three
 * operands are split that way and whose output is read only by that chain into a
 * {@code fusedLinear} becomes the heads-last form ({@link FusedOps.Attention#headsLast}): its
 * operands are {@code [B, L, H, d]} views of the projection's rows, its output {@code [B, L, H,
 * dv]} is the {@code [B, L, E]} input of the out-projection, whose output is the batch-first
 * value the chain ended at. When the projection itself reads the batch-first input through
 * {@code permute(x) {dims=[1, 0, 2]}} and is read only by such heads, it reads x instead (a
 * linear layer acts on each row, so the permute moves to its output, where the heads' views
 * absorb it): the whole block then runs on contiguous batch-first rows. The old nodes are left
 * for {@link DeadCodeElimination}.
 *
 * <pre>{@code
 * // %0 = permute(%x) {dims=[1, 0, 2]}  %1 = fusedLinear(%0, %w_in, %b_in)  %2 = slice(%1) {dim=2, ...}
 * // %5 = reshape(%2) {shape=[128, 32, 64]}  %6 = permute(%5) {dims=[1, 0, 2]} (likewise k, v)
 * // %11 = fusedAttention(%6, %10, %9)  %12 = permute(%11) {dims=[1, 0, 2]}  %13 = reshape(%12) {shape=[1024, 256]}
 * // %14 = fusedLinear(%13, %w_out, %b_out)  %15 = reshape(%14) {shape=[128, 8, 256]}  %16 = permute(%15) {dims=[1, 0, 2]}
 * new AttentionLayoutFolding().apply(g);
 * // %1 = fusedLinear(%x, %w_in, %b_in) : f32[8,128,768]  %2 = slice(%1) {dim=2, ...}  %3 = reshape(%2) {shape=[8, 128, 4, 64]}
 * // %a = fusedAttention(%3, %k, %v) {headsLast=true} : f32[8,128,4,64]  %r = reshape(%a) {shape=[8, 128, 256]}
 * // %16 = fusedLinear(%r, %w_out, %b_out) : f32[8,128,256]
 * }</pre>
 */
public final class AttentionLayoutFolding implements Pass {
    private static final int[] SWAP = {1, 0, 2};

    /** One operand split into heads: {@code permute(reshape(source [L, B, E]) [L, B*H, d])}. */
    private record Head(Node permute, Node reshape, Value source, long length, long depth) {
    }

    /** One attention block: its operands, sizes, the chain it replaces and the value that chain ends at. */
    private record Match(Node attention, Head[] operands, long batch, long heads, List<Node> chain, Node linear, Node end) {
    }

    @Override
    public Graph apply(Graph graph) {
        // The fusions before this pass leave dead views behind (k's old transpose), which would
        // look like other readers of the heads.
        Graph g = new DeadCodeElimination().apply(graph);
        Map<Value, List<Node>> readers = g.readers();
        Set<Value> outputs = g.outputSet();
        Map<Node, Match> ends = new IdentityHashMap<>();
        Map<Node, Boolean> absorbed = new IdentityHashMap<>();
        Map<Node, Boolean> headNodes = new IdentityHashMap<>();
        for (Node n : g.nodes()) {
            Match m = match(n, readers, outputs);
            if (m != null) {
                ends.put(m.end(), m);
                m.chain().forEach(x -> absorbed.put(x, true));
                headNodes.put(n, true); // the attention itself, so its operands' other readers can be told apart
                for (Head h : m.operands()) {
                    headNodes.put(h.permute(), true);
                    headNodes.put(h.reshape(), true);
                }
            }
        }
        if (ends.isEmpty()) {
            return graph;
        }
        // Projections read only by matched heads through last-dim slices read batch-first input instead.
        Map<Node, Boolean> folded = new IdentityHashMap<>();
        for (Match m : ends.values()) {
            for (Head h : m.operands()) {
                Node slice = h.source().producer();
                Node proj = slice == null ? null : projection(slice);
                if (proj != null && !folded.containsKey(proj) && onlyHeadsRead(proj, readers, outputs, headNodes)) {
                    folded.put(proj, true);
                }
            }
        }
        GraphBuilder.Rebuild r = new GraphBuilder.Rebuild(g);
        Map<Node, Value> batchFirst = new IdentityHashMap<>();
        for (Node n : g.nodes()) {
            Match m = ends.get(n);
            if (m != null) {
                emit(r, m, folded, batchFirst);
            } else if (folded.containsKey(n)) {
                // fusedLinear(permute(x)) = permute(fusedLinear(x)): the rows of x, batch-first.
                Value x = n.inputs().get(0).producer().inputs().get(0);
                Dim[] d = n.outputs().get(0).dims();
                Value[] in = new Value[n.inputs().size()];
                in[0] = r.get(x);
                for (int i = 1; i < in.length; i++) {
                    in[i] = r.get(n.inputs().get(i));
                }
                batchFirst.put(n, one(r, n.op(), n.attrs(), in, n.outputs().get(0).dtype(), new Dim[] {d[1], d[0], d[2]}));
            } else if (!absorbed.containsKey(n) && !readsFolded(n, folded, headNodes)) {
                r.copy(n);
            }
        }
        return r.finish();
    }

    /** The new block in place of the chain's end: heads-last attention into the out-projection. */
    private static void emit(GraphBuilder.Rebuild r, Match m, Map<Node, Boolean> folded, Map<Node, Value> batchFirst) {
        DType dt = m.end().outputs().get(0).dtype();
        long b = m.batch();
        long h = m.heads();
        Value[] in = new Value[3];
        for (int i = 0; i < 3; i++) {
            Head head = m.operands()[i];
            Dim[] split = Dim.fixed(new long[] {b, head.length(), h, head.depth()});
            Node slice = head.source().producer();
            Node proj = slice == null ? null : projection(slice);
            if (proj != null && folded.containsKey(proj)) {
                ViewOps.Slice s = (ViewOps.Slice) slice.attrs();
                long e = h * head.depth();
                Value rows = one(r, ViewOps.SLICE, new ViewOps.Slice(2, s.start(), s.length(), 1),
                        new Value[] {batchFirst.get(proj)}, dt, Dim.fixed(new long[] {b, head.length(), e}));
                in[i] = one(r, ViewOps.RESHAPE, new ViewOps.Shape(Dim.examples(split)), new Value[] {rows}, dt, split);
            } else {
                long[] seqFirst = {head.length(), b, h, head.depth()};
                Value heads = one(r, ViewOps.RESHAPE, new ViewOps.Shape(seqFirst), new Value[] {r.get(head.source())}, dt,
                        Dim.fixed(seqFirst));
                in[i] = one(r, ViewOps.PERMUTE, new ViewOps.Permute(new int[] {1, 0, 2, 3}), new Value[] {heads}, dt, split);
            }
        }
        FusedOps.Attention a = (FusedOps.Attention) m.attention().attrs();
        Dim[] qd = m.attention().outputs().get(0).dims();
        long l = qd[1].example();
        long dv = qd[2].example();
        Value att = one(r, FusedOps.ATTENTION, new FusedOps.Attention(a.scale(), true), in, dt,
                Dim.fixed(new long[] {b, l, h, dv}));
        Value rows = one(r, ViewOps.RESHAPE, new ViewOps.Shape(new long[] {b, l, h * dv}), new Value[] {att}, dt,
                Dim.fixed(new long[] {b, l, h * dv}));
        Value[] lin = new Value[m.linear().inputs().size()];
        lin[0] = rows;
        for (int i = 1; i < lin.length; i++) {
            lin[i] = r.get(m.linear().inputs().get(i));
        }
        r.emit(m.end(), m.linear().op(), m.linear().attrs(), null, lin);
    }

    private static Value one(GraphBuilder.Rebuild r, dev.walnut.ops.OpDef<?> op, Object attrs, Value[] in, DType dt, Dim[] dims) {
        return r.builder.node(op, attrs, null, in, new DType[] {dt}, new Dim[][] {dims})[0];
    }

    /** The attention block ending at {@code a}'s chain, or null. */
    private static Match match(Node a, Map<Value, List<Node>> readers, Set<Value> outputs) {
        if (a.op() != FusedOps.ATTENTION || a.template() != null || ((FusedOps.Attention) a.attrs()).headsLast()
                || !allStatic(a.outputs().get(0).dims())) {
            return null;
        }
        Head[] heads = new Head[3];
        for (int i = 0; i < 3; i++) {
            heads[i] = head(a.inputs().get(i));
            if (heads[i] == null) {
                return null;
            }
        }
        long b = heads[0].source().dims()[1].example();
        long n = a.outputs().get(0).dims()[0].example();
        for (Head h : heads) {
            if (h.source().dims()[1].example() != b) {
                return null;
            }
        }
        if (b <= 0 || n % b != 0) {
            return null;
        }
        long h = n / b;
        for (Head head : heads) {
            if (head.source().dims()[2].example() != h * head.depth()) {
                return null;
            }
        }
        Dim[] od = a.outputs().get(0).dims();
        long l = od[1].example();
        long e = h * od[2].example();
        // Out: permute {1, 0, 2} to [L, B*H, dv], reshape to [L*B, E] or [L, B, E], the out-projection.
        List<Node> chain = new ArrayList<>(List.of(a));
        Node o1 = next(a, readers, outputs);
        if (!isSwap(o1)) {
            return null;
        }
        chain.add(o1);
        Node o2 = next(o1, readers, outputs);
        if (o2 == null || o2.op() != ViewOps.RESHAPE || o2.template() != null) {
            return null;
        }
        Dim[] o2d = o2.outputs().get(0).dims();
        boolean rows = sizes(o2d, l * b, e);
        if (!rows && !sizes(o2d, l, b, e)) {
            return null;
        }
        chain.add(o2);
        Node lin = next(o2, readers, outputs);
        if (lin == null || lin.op() != FusedOps.LINEAR || lin.template() != null || lin.inputs().get(0) != o2.outputs().get(0)) {
            return null;
        }
        chain.add(lin);
        Node last = lin;
        long out = lin.outputs().get(0).dims()[o2d.length - 1].example();
        if (rows) {
            Node o3 = next(lin, readers, outputs);
            if (o3 == null || o3.op() != ViewOps.RESHAPE || o3.template() != null || !sizes(o3.outputs().get(0).dims(), l, b, out)) {
                return null;
            }
            chain.add(o3);
            last = o3;
        }
        List<Node> endReaders = readers.getOrDefault(last.outputs().get(0), List.of());
        Node end = endReaders.size() == 1 && !outputs.contains(last.outputs().get(0)) ? endReaders.get(0) : null;
        if (!isSwap(end)) {
            return null;
        }
        return new Match(a, heads, b, h, chain, lin, end);
    }

    /** {@code x = permute(reshape(source [L, B, E]) [L, B*H, d]) {dims=[1, 0, 2]}}, or null. */
    private static Head head(Value x) {
        Node p = x.producer();
        if (!isSwap(p)) {
            return null;
        }
        Node reshape = p.inputs().get(0).producer();
        if (reshape == null || reshape.op() != ViewOps.RESHAPE || reshape.template() != null) {
            return null;
        }
        Value source = reshape.inputs().get(0);
        Dim[] sd = source.dims();
        Dim[] rd = reshape.outputs().get(0).dims();
        if (sd.length != 3 || rd.length != 3 || !allStatic(sd) || !allStatic(rd) || !sd[0].equals(rd[0])) {
            return null;
        }
        return new Head(p, reshape, source, rd[0].example(), rd[2].example());
    }

    /** The node a slice of the last dim reads when it is {@code fusedLinear(permute(x) {dims=[1, 0, 2]})}, or null. */
    private static Node projection(Node slice) {
        if (slice.op() != ViewOps.SLICE || slice.template() != null) {
            return null;
        }
        ViewOps.Slice s = (ViewOps.Slice) slice.attrs();
        Node proj = slice.inputs().get(0).producer();
        if (s.step() != 1 || (s.dim() != 2 && s.dim() != -1) || proj == null || proj.op() != FusedOps.LINEAR
                || proj.template() != null || proj.outputs().get(0).dims().length != 3
                || !isSwap(proj.inputs().get(0).producer())) {
            return null;
        }
        return proj;
    }

    /**
     * Whether every reader of {@code proj} is a slice whose every reader is a matched head read
     * only by matched attentions (then all of them go).
     */
    private static boolean onlyHeadsRead(Node proj, Map<Value, List<Node>> readers, Set<Value> outputs,
                                         Map<Node, Boolean> headNodes) {
        Value y = proj.outputs().get(0);
        if (outputs.contains(y)) {
            return false;
        }
        for (Node slice : readers.getOrDefault(y, List.of())) {
            if (projection(slice) != proj || outputs.contains(slice.outputs().get(0))) {
                return false;
            }
            for (Node reshape : readers.getOrDefault(slice.outputs().get(0), List.of())) {
                if (!headNodes.containsKey(reshape) || outputs.contains(reshape.outputs().get(0))) {
                    return false;
                }
                for (Node permute : readers.getOrDefault(reshape.outputs().get(0), List.of())) {
                    if (!headNodes.containsKey(permute) || outputs.contains(permute.outputs().get(0))
                            || readers.getOrDefault(permute.outputs().get(0), List.of()).stream()
                            .anyMatch(x -> !headNodes.containsKey(x))) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** Whether {@code n} is a slice, head reshape or head permute of a folded projection (it goes with it). */
    private static boolean readsFolded(Node n, Map<Node, Boolean> folded, Map<Node, Boolean> headNodes) {
        Node src = n;
        while (src != null && (headNodes.containsKey(src) || src.op() == ViewOps.SLICE)) {
            Node p = src.inputs().get(0).producer();
            if (src.op() == ViewOps.SLICE) {
                return p != null && folded.containsKey(p);
            }
            src = p;
        }
        return false;
    }

    private static Node next(Node n, Map<Value, List<Node>> readers, Set<Value> outputs) {
        return Graph.soleReader(n.outputs().get(0), readers, outputs);
    }

    /** Whether {@code n} is {@code permute {dims=[1, 0, 2]}} of a 3-d value. */
    private static boolean isSwap(Node n) {
        return n != null && n.op() == ViewOps.PERMUTE && n.template() == null
                && java.util.Arrays.equals(((ViewOps.Permute) n.attrs()).dims(), SWAP);
    }

    private static boolean sizes(Dim[] dims, long... sizes) {
        if (dims.length != sizes.length || !allStatic(dims)) {
            return false;
        }
        for (int i = 0; i < sizes.length; i++) {
            if (dims[i].example() != sizes[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean allStatic(Dim[] dims) {
        for (Dim d : dims) {
            if (!d.isStatic()) {
                return false;
            }
        }
        return true;
    }
}
