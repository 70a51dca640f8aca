package dev.walnut;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code einsum} as a composite: repeated subscripts within an operand become diagonals,
 * subscripts used by one operand only are summed early, and the operands are contracted pairwise
 * left to right, each contraction one (batched) matmul of permuted/reshaped operands. It records
 * no node of its own: its gradient (to any order) comes from those ops.
 *
 * <p>Subscripts are letters ({@code A-Z} sort before {@code a-z}, as in PyTorch's implicit
 * output); {@code ...} stands for the dims not named by letters, aligned from the right and
 * broadcast across operands. Size-1 dims broadcast against any size, as in PyTorch.
 */
final class Einsum {
    private Einsum() {
    }

    private static final int ELLIPSIS = -1;
    /** Labels 0-51 are letters; ellipsis dims get labels from here on. */
    private static final int ELLIPSIS_BASE = 52;

    private static int code(char c) {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return 26 + c - 'a';
        }
        return -2;
    }

    private static String name(int label) {
        if (label >= ELLIPSIS_BASE) {
            return "... dim " + (label - ELLIPSIS_BASE);
        }
        return "'" + (char) (label < 26 ? 'A' + label : 'a' + label - 26) + "'";
    }

    private static IllegalArgumentException error(String equation, String what) {
        return new IllegalArgumentException("einsum(): " + what + " in equation \"" + equation + "\"");
    }

    /** One term's labels (letters, or ELLIPSIS once), read from equation[from, to). */
    private static List<Integer> parseTerm(String eq, int from, int to, String role) {
        var labels = new ArrayList<Integer>();
        boolean ellipsis = false;
        for (int i = from; i < to; i++) {
            char c = eq.charAt(i);
            if (c == ' ') {
                continue;
            }
            if (c == '.') {
                if (!eq.startsWith("...", i) || i + 3 > to) {
                    throw error(eq, "'.' at position " + i + " is not part of an ellipsis ('...')");
                }
                if (ellipsis) {
                    throw error(eq, "a second ellipsis ('...') at position " + i + " in " + role);
                }
                ellipsis = true;
                labels.add(ELLIPSIS);
                i += 2;
                continue;
            }
            int code = code(c);
            if (code < 0) {
                throw error(eq, "invalid subscript '" + c + "' at position " + i + " in " + role
                        + "; subscripts must be letters in [a-zA-Z] or '...'");
            }
            labels.add(code);
        }
        return labels;
    }

    static Tensor einsum(String eq, Tensor[] operands) {
        if (eq == null) {
            throw new IllegalArgumentException("einsum(): the equation must not be null");
        }
        if (operands.length == 0) {
            throw new IllegalArgumentException("einsum(): must provide at least one operand (equation \"" + eq + "\")");
        }
        int arrow = eq.indexOf("->");
        int lhsEnd = arrow < 0 ? eq.length() : arrow;
        var terms = new ArrayList<List<Integer>>();
        for (int start = 0; ; ) {
            int comma = eq.indexOf(',', start);
            int end = comma < 0 || comma > lhsEnd ? lhsEnd : comma;
            terms.add(parseTerm(eq, start, end, "operand " + terms.size()));
            if (end == lhsEnd) {
                break;
            }
            start = end + 1;
        }
        if (terms.size() != operands.length) {
            throw error(eq, (terms.size() > operands.length ? "fewer" : "more") + " operands were provided ("
                    + operands.length + ") than the " + terms.size() + " specified");
        }
        // Expand each term to one label per dim; ellipsis dims are aligned from the right.
        int[] ellipsisDims = new int[operands.length];
        int maxEllipsis = 0;
        for (int k = 0; k < operands.length; k++) {
            List<Integer> t = terms.get(k);
            int letters = (int) t.stream().filter(l -> l != ELLIPSIS).count();
            int rank = operands[k].shape.length;
            if (t.contains(ELLIPSIS)) {
                if (letters > rank) {
                    throw error(eq, "operand " + k + " has " + rank + " dims (shape " + Shapes.str(operands[k].shape)
                            + ") but its subscripts name " + letters);
                }
                ellipsisDims[k] = rank - letters;
                maxEllipsis = Math.max(maxEllipsis, ellipsisDims[k]);
            } else if (letters != rank) {
                throw error(eq, "the number of subscripts (" + letters + ") does not match the number of dims (" + rank
                        + ") of operand " + k + " (shape " + Shapes.str(operands[k].shape) + ") and no ellipsis was given");
            }
        }
        var labels = new ArrayList<List<Integer>>();
        int[] count = new int[ELLIPSIS_BASE];
        for (int k = 0; k < operands.length; k++) {
            var l = new ArrayList<Integer>();
            for (int label : terms.get(k)) {
                if (label == ELLIPSIS) {
                    for (int j = 0; j < ellipsisDims[k]; j++) {
                        l.add(ELLIPSIS_BASE + maxEllipsis - ellipsisDims[k] + j);
                    }
                } else {
                    l.add(label);
                    count[label]++;
                }
            }
            labels.add(l);
        }
        List<Integer> output = outputLabels(eq, arrow, count, maxEllipsis);
        long[] sizes = labelSizes(eq, operands, labels, maxEllipsis);

        // Per operand: diagonals for repeated labels, drop broadcast size-1 dims.
        Tensor[] ts = operands.clone();
        for (int k = 0; k < ts.length; k++) {
            List<Integer> l = labels.get(k);
            ts[k] = takeDiagonals(ts[k], l);
            for (int p = l.size() - 1; p >= 0; p--) {
                if (ts[k].shape[p] == 1 && sizes[l.get(p)] != 1) {
                    ts[k] = ts[k].squeeze(p);
                    l.remove(p);
                }
            }
        }
        // Contract left to right, summing each label as soon as no later operand and not the output needs it.
        Tensor acc = ts[0];
        List<Integer> accLabels = labels.get(0);
        for (int k = 0; k < ts.length; k++) {
            Set<Integer> keep = new HashSet<>(output);
            for (int j = k + 1; j < ts.length; j++) {
                keep.addAll(labels.get(j));
            }
            if (k == 0) {
                acc = sumOut(acc, accLabels, keep);
                continue;
            }
            List<Integer> bLabels = labels.get(k);
            Set<Integer> keepA = new HashSet<>(keep);
            keepA.addAll(bLabels);
            acc = sumOut(acc, accLabels, keepA);
            Set<Integer> keepB = new HashSet<>(keep);
            keepB.addAll(accLabels);
            Tensor b = sumOut(ts[k], bLabels, keepB);
            Contracted c = contract(acc, accLabels, b, bLabels, keep, sizes);
            acc = c.tensor;
            accLabels = c.labels;
        }
        int[] perm = new int[output.size()];
        for (int i = 0; i < perm.length; i++) {
            perm[i] = accLabels.indexOf(output.get(i));
        }
        return permute(acc, perm);
    }

    /** Skips identity permutations, so e.g. "ij,jk->ik" is exactly one matmul node. */
    private static Tensor permute(Tensor t, int[] perm) {
        for (int i = 0; i < perm.length; i++) {
            if (perm[i] != i) {
                return t.permute(perm);
            }
        }
        return t;
    }

    private static List<Integer> outputLabels(String eq, int arrow, int[] count, int maxEllipsis) {
        var output = new ArrayList<Integer>();
        if (arrow < 0) {
            for (int j = 0; j < maxEllipsis; j++) {
                output.add(ELLIPSIS_BASE + j);
            }
            for (int label = 0; label < ELLIPSIS_BASE; label++) {
                if (count[label] == 1) {
                    output.add(label);
                }
            }
            return output;
        }
        int from = arrow + 2;
        if (eq.indexOf(',', from) >= 0) {
            throw error(eq, "',' at position " + eq.indexOf(',', from) + " after '->'; the output is a single term");
        }
        if (eq.indexOf("->", from) >= 0) {
            throw error(eq, "a second '->' at position " + eq.indexOf("->", from));
        }
        List<Integer> term = parseTerm(eq, from, eq.length(), "the output");
        for (int label : term) {
            if (label == ELLIPSIS) {
                for (int j = 0; j < maxEllipsis; j++) {
                    output.add(ELLIPSIS_BASE + j);
                }
                continue;
            }
            if (count[label] == 0) {
                throw error(eq, "output subscript " + name(label) + " does not appear in any input operand");
            }
            if (output.contains(label)) {
                throw error(eq, "output subscript " + name(label) + " appears more than once in the output");
            }
            output.add(label);
        }
        return output;
    }

    /** The size of every label (the largest seen; others must equal it or be 1). */
    private static long[] labelSizes(String eq, Tensor[] operands, List<List<Integer>> labels, int maxEllipsis) {
        long[] sizes = new long[ELLIPSIS_BASE + maxEllipsis];
        Arrays.fill(sizes, -1);
        for (int k = 0; k < operands.length; k++) {
            List<Integer> l = labels.get(k);
            for (int p = 0; p < l.size(); p++) {
                int label = l.get(p);
                int size = operands[k].shape[p];
                int first = l.indexOf(label);
                if (first < p && operands[k].shape[first] != size) {
                    throw error(eq, "subscript " + name(label) + " is repeated for operand " + k + " but the sizes don't "
                            + "match, " + operands[k].shape[first] + " != " + size + " (shape " + Shapes.str(operands[k].shape) + ")");
                }
                if (sizes[label] == -1 || sizes[label] == 1) {
                    sizes[label] = size;
                } else if (size != 1 && size != sizes[label]) {
                    throw error(eq, "subscript " + name(label) + " has size " + size + " in operand " + k + " (shape "
                            + Shapes.str(operands[k].shape) + "), which does not broadcast with size " + sizes[label]
                            + " seen before");
                }
            }
        }
        return sizes;
    }

    /** Replaces each repeated label by the diagonal over its dims (appended last); sizes were checked. */
    private static Tensor takeDiagonals(Tensor t, List<Integer> l) {
        for (int p = 0; p < l.size(); p++) {
            int q = l.subList(p + 1, l.size()).indexOf(l.get(p));
            if (q < 0) {
                continue;
            }
            q += p + 1;
            int label = l.get(p);
            t = t.diagonal(0, p, q);
            l.remove(q);
            l.remove(p);
            l.add(label);
            p = -1; // positions shifted: rescan
        }
        return t;
    }

    private static Tensor sumOut(Tensor t, List<Integer> l, Set<Integer> keep) {
        var dims = new ArrayList<Integer>();
        for (int p = l.size() - 1; p >= 0; p--) {
            if (!keep.contains(l.get(p))) {
                dims.add(p);
                l.remove(p);
            }
        }
        return dims.isEmpty() ? t : t.sum(dims.stream().mapToInt(Integer::intValue).toArray());
    }

    private record Contracted(Tensor tensor, List<Integer> labels) {
    }

    /** a [batch, aOnly, sum] x b [batch, sum, bOnly] as one matmul: [batch, aOnly, bOnly]. */
    private static Contracted contract(Tensor a, List<Integer> al, Tensor b, List<Integer> bl, Set<Integer> keep, long[] sizes) {
        var batch = new ArrayList<Integer>();
        var summed = new ArrayList<Integer>();
        var aOnly = new ArrayList<Integer>();
        var bOnly = new ArrayList<Integer>();
        for (int label : al) {
            if (bl.contains(label)) {
                (keep.contains(label) ? batch : summed).add(label);
            } else {
                aOnly.add(label);
            }
        }
        for (int label : bl) {
            if (!al.contains(label)) {
                bOnly.add(label);
            }
        }
        Tensor a3 = permute(a, positions(al, batch, aOnly, summed)).reshape(shape(sizes, batch, aOnly, summed));
        Tensor b3 = permute(b, positions(bl, batch, summed, bOnly)).reshape(shape(sizes, batch, summed, bOnly));
        Tensor c = a3.matmul(b3);
        var outLabels = new ArrayList<Integer>(batch);
        outLabels.addAll(aOnly);
        outLabels.addAll(bOnly);
        long[] outShape = new long[outLabels.size()];
        for (int i = 0; i < outShape.length; i++) {
            outShape[i] = sizes[outLabels.get(i)];
        }
        return new Contracted(c.reshape(outShape), outLabels);
    }

    @SafeVarargs
    private static int[] positions(List<Integer> labels, List<Integer>... groups) {
        return Arrays.stream(groups).flatMap(List::stream).mapToInt(labels::indexOf).toArray();
    }

    /** batch sizes, then the product of each of the two following groups. */
    private static long[] shape(long[] sizes, List<Integer> batch, List<Integer> rows, List<Integer> cols) {
        long[] s = new long[batch.size() + 2];
        for (int i = 0; i < batch.size(); i++) {
            s[i] = sizes[batch.get(i)];
        }
        s[batch.size()] = rows.stream().mapToLong(l -> sizes[l]).reduce(1, (x, y) -> x * y);
        s[batch.size() + 1] = cols.stream().mapToLong(l -> sizes[l]).reduce(1, (x, y) -> x * y);
        return s;
    }
}
