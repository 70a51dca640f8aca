package dev.walnut.onnx;

import static dev.walnut.onnx.OnnxOp.one;

import dev.walnut.DType;
import dev.walnut.PadMode;
import dev.walnut.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Shape, layout and indexing ops: the integer side-computations exporters emit around
 * {@code Reshape} (Shape, Gather, Concat, Unsqueeze, ...) run on small I64 tensors, the data
 * movement itself on Walnut views where one exists.
 */
final class ShapeImporters {
    private ShapeImporters() {
    }

    static void register(Map<String, OnnxOp> ops) {
        ops.put("Identity", n -> one(n.required(0)));
        ops.put("Shape", ShapeImporters::shape);
        ops.put("Size", n -> one(Tensor.scalar(n.required(0).numel(), DType.I64)));
        ops.put("Reshape", ShapeImporters::reshape);
        ops.put("Flatten", n -> {
            Tensor x = n.required(0);
            int axis = (int) n.attrInt("axis", 1);
            axis = axis < 0 ? axis + x.dim() : axis;
            if (axis < 0 || axis > x.dim()) {
                throw n.fail("axis " + n.attrInt("axis", 1) + " is out of range for rank " + x.dim());
            }
            long outer = 1;
            for (int i = 0; i < axis; i++) {
                outer *= x.size(i);
            }
            long inner = 1;
            for (int i = axis; i < x.dim(); i++) {
                inner *= x.size(i);
            }
            return one(x.reshape(outer, inner));
        });
        ops.put("Transpose", n -> {
            Tensor x = n.required(0);
            long[] perm = n.attrInts("perm");
            int[] p = new int[x.dim()];
            for (int i = 0; i < p.length; i++) {
                p[i] = perm == null ? p.length - 1 - i : n.axis(perm[i], x.dim(), "perm entry");
            }
            return one(x.permute(p));
        });
        ops.put("Squeeze", ShapeImporters::squeeze);
        ops.put("Unsqueeze", ShapeImporters::unsqueeze);
        ops.put("Concat", n -> {
            List<Tensor> parts = new ArrayList<>();
            for (int i = 0; i < n.inputCount(); i++) {
                parts.add(n.required(i));
            }
            int axis = n.axis(n.attrInt("axis", 0), parts.get(0).dim(), "axis");
            return one(Tensor.cat(parts, axis));
        });
        ops.put("Split", ShapeImporters::split);
        ops.put("Slice", ShapeImporters::slice);
        ops.put("Gather", ShapeImporters::gather);
        ops.put("GatherElements", n -> {
            Tensor x = n.required(0);
            int axis = n.axis(n.attrInt("axis", 0), x.dim(), "axis");
            return one(x.gather(axis, wrapIndices(n.required(1), x.size(axis))));
        });
        ops.put("Expand", n -> {
            Tensor x = n.required(0);
            return one(x.expand(broadcast(n, x.shape(), n.longs(1))));
        });
        ops.put("Tile", n -> {
            Tensor x = n.required(0);
            long[] reps = n.longs(1);
            if (reps.length != x.dim()) {
                throw n.fail("repeats has " + reps.length + " values for rank " + x.dim());
            }
            long[] out = x.shape().clone();
            for (int i = 0; i < out.length; i++) {
                out[i] = reps[i] < 0 ? -1 : (reps[i] != 0 && out[i] > Long.MAX_VALUE / reps[i] ? Long.MAX_VALUE
                        : out[i] * reps[i]);
            }
            n.checkAllocation(out, x.dtype());
            return one(x.tile(reps));
        });
        ops.put("ConstantOfShape", n -> {
            long[] shape = n.longs(0);
            Tensor value = n.has("value") ? TensorProtos.read(n.attribute("value").getT(), n.describe() + " value",
                    null) : Tensor.scalar(0.0, DType.F32);
            if (value.numel() != 1) {
                throw n.fail("value must hold one element, got shape " + Arrays.toString(value.shape()));
            }
            n.checkAllocation(shape, value.dtype());
            return one(Tensor.full(shape, value.reshape().item(), value.dtype()));
        });
        ops.put("Range", n -> {
            Tensor start = n.required(0);
            double s = start.item(), limit = n.required(1).item(), delta = n.required(2).item();
            if (delta == 0) {
                throw n.fail("delta must not be 0");
            }
            double count = Math.max(0, Math.ceil((limit - s) / delta));
            n.checkAllocation(new long[] {count > Long.MAX_VALUE ? Long.MAX_VALUE : (long) count}, start.dtype());
            return one(Tensor.arange(s, limit, delta, start.dtype()));
        });
        ops.put("Pad", ShapeImporters::pad);
        ops.put("Trilu", n -> {
            Tensor x = n.required(0);
            long k = n.input(1) == null ? 0 : n.longs(1)[0];
            return one(n.attrInt("upper", 1) != 0 ? x.triu(k) : x.tril(k));
        });
        ops.put("CumSum", n -> {
            Tensor x = n.required(0);
            int axis = n.axis(n.longs(1)[0], x.dim(), "axis");
            boolean reverse = n.attrInt("reverse", 0) != 0, exclusive = n.attrInt("exclusive", 0) != 0;
            Tensor y = reverse ? x.flip(axis) : x;
            Tensor c = y.cumsum(axis);
            if (exclusive) {
                c = c.sub(y);
            }
            return one(reverse ? c.flip(axis) : c);
        });
        ops.put("DepthToSpace", n -> {
            Tensor x = n.required(0);
            long b = n.attrInt("blocksize", 0);
            if (x.dim() != 4 || b <= 0 || x.size(1) % (b * b) != 0) {
                throw n.fail("expected [N, C, H, W] with C divisible by blocksize^2, blocksize " + b);
            }
            long nn = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
            // DCR (default): depth is (block row, block column, channel); CRD: (channel, block row, block column).
            Tensor y = n.attrString("mode", "DCR").equals("CRD")
                    ? x.reshape(nn, c / (b * b), b, b, h, w).permute(0, 1, 4, 2, 5, 3)
                    : x.reshape(nn, b, b, c / (b * b), h, w).permute(0, 3, 4, 1, 5, 2);
            return one(y.reshape(nn, c / (b * b), h * b, w * b));
        });
        ops.put("SpaceToDepth", n -> {
            Tensor x = n.required(0);
            long b = n.attrInt("blocksize", 0);
            if (x.dim() != 4 || b <= 0 || x.size(2) % b != 0 || x.size(3) % b != 0) {
                throw n.fail("expected [N, C, H, W] with H and W divisible by blocksize " + b);
            }
            long nn = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
            return one(x.reshape(nn, c, h / b, b, w / b, b).permute(0, 3, 5, 1, 2, 4).reshape(nn, c * b * b, h / b, w / b));
        });
        ops.put("OneHot", n -> {
            Tensor indices = n.required(0);
            long depth = (long) n.required(1).reshape().item();
            Tensor values = n.required(2);
            if (depth <= 0 || values.numel() != 2) {
                throw n.fail("depth must be positive and values hold [off, on]");
            }
            long[] shape = indices.shape();
            int axis = n.axis(n.attrInt("axis", -1), shape.length + 1, "axis");
            n.checkAllocation(java.util.stream.LongStream.concat(java.util.Arrays.stream(shape),
                    java.util.stream.LongStream.of(depth)).toArray(), values.dtype());
            Tensor idx = indices.to(DType.I64);
            idx = Tensor.where(idx.lt(0), idx.add(depth), idx);
            // Compare each index with 0..depth-1 along a new last axis, then move that axis into place.
            Tensor hot = idx.unsqueeze(idx.dim()).eq(Tensor.arange(depth));
            Tensor off = values.select(0, 0), on = values.select(0, 1);
            Tensor y = Tensor.where(hot, on, off);
            if (axis == shape.length) {
                return one(y);
            }
            int[] perm = new int[shape.length + 1];
            for (int i = 0, j = 0; i < perm.length; i++) {
                perm[i] = i == axis ? shape.length : j++;
            }
            return one(y.permute(perm));
        });
        ops.put("ScatterElements", n -> {
            Tensor x = n.required(0);
            int axis = n.axis(n.attrInt("axis", 0), x.dim(), "axis");
            Tensor idx = wrapIndices(n.required(1), x.size(axis));
            String reduction = n.attrString("reduction", "none");
            return one(switch (reduction) {
                case "none" -> x.scatter(axis, idx, n.required(2));
                case "add" -> x.scatterAdd(axis, idx, n.required(2));
                default -> throw n.fail("reduction \"" + reduction + "\" is not supported (none and add are)");
            });
        });
        ops.put("NonZero", n -> one(n.required(0).nonzero().t().contiguous()));
        ops.put("Einsum", n -> {
            Tensor[] in = new Tensor[n.inputCount()];
            for (int i = 0; i < in.length; i++) {
                in[i] = n.required(i);
            }
            return one(Tensor.einsum(n.attrString("equation", ""), in));
        });
        ops.put("Cast", n -> {
            int to = (int) n.attrInt("to", TensorProtos.FLOAT);
            DType dt = TensorProtos.dtype(to);
            if (dt == null) {
                throw n.fail("cannot cast to " + TensorProtos.typeName(to) + ": Walnut has no such dtype");
            }
            return one(n.required(0).to(dt));
        });
        ops.put("CastLike", n -> one(n.required(0).to(n.required(1).dtype())));
    }

    private static Tensor[] shape(NodeCall n) {
        long[] s = n.required(0).shape();
        int rank = s.length;
        long start = n.attrInt("start", 0), end = n.attrInt("end", rank);
        start = Math.max(0, Math.min(rank, start < 0 ? start + rank : start));
        end = Math.max(0, Math.min(rank, end < 0 ? end + rank : end));
        long[] out = end > start ? Arrays.copyOfRange(s, (int) start, (int) end) : new long[0];
        return one(Tensor.fromArray(out, out.length));
    }

    private static Tensor[] reshape(NodeCall n) {
        Tensor x = n.required(0);
        long[] shape = n.longs(1).clone();
        boolean allowZero = n.attrInt("allowzero", 0) != 0;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 0 && !allowZero) {
                if (i >= x.dim()) {
                    throw n.fail("shape " + Arrays.toString(n.longs(1)) + " copies dim " + i
                            + " (a 0) that the input does not have");
                }
                shape[i] = x.size(i);
            }
        }
        try {
            return one(x.reshape(shape));
        } catch (IllegalArgumentException e) {
            throw n.fail("cannot reshape to " + Arrays.toString(n.longs(1)) + ": " + e.getMessage(), e);
        }
    }

    /** The axes of Squeeze/Unsqueeze/Reduce*: an input from opset 13 (18 for most reductions), an attribute before. */
    static long[] axes(NodeCall n, int inputIndex) {
        if (n.input(inputIndex) != null) {
            return n.longs(inputIndex);
        }
        return n.attrInts("axes");
    }

    private static Tensor[] squeeze(NodeCall n) {
        Tensor x = n.required(0);
        long[] axes = axes(n, 1);
        if (axes == null) {
            List<Long> keep = new ArrayList<>();
            for (long d : x.shape()) {
                if (d != 1) {
                    keep.add(d);
                }
            }
            return one(x.reshape(keep.stream().mapToLong(Long::longValue).toArray()));
        }
        boolean[] drop = new boolean[x.dim()];
        for (long a : axes) {
            int ax = n.axis(a, x.dim(), "axis");
            if (x.size(ax) != 1) {
                throw n.fail("cannot squeeze axis " + a + " of size " + x.size(ax));
            }
            drop[ax] = true;
        }
        List<Long> keep = new ArrayList<>();
        for (int i = 0; i < x.dim(); i++) {
            if (!drop[i]) {
                keep.add(x.size(i));
            }
        }
        return one(x.reshape(keep.stream().mapToLong(Long::longValue).toArray()));
    }

    private static Tensor[] unsqueeze(NodeCall n) {
        Tensor x = n.required(0);
        long[] axes = axes(n, 1);
        if (axes == null) {
            throw n.fail("axes are missing");
        }
        int rank = x.dim() + axes.length;
        boolean[] inserted = new boolean[rank];
        for (long a : axes) {
            int ax = n.axis(a, rank, "axis");
            if (inserted[ax]) {
                throw n.fail("axis " + a + " appears twice");
            }
            inserted[ax] = true;
        }
        long[] shape = new long[rank];
        for (int i = 0, j = 0; i < rank; i++) {
            shape[i] = inserted[i] ? 1 : x.size(j++);
        }
        return one(x.reshape(shape));
    }

    private static Tensor[] split(NodeCall n) {
        Tensor x = n.required(0);
        int axis = n.axis(n.attrInt("axis", 0), x.dim(), "axis");
        long[] sizes = n.input(1) != null ? n.longs(1) : n.attrInts("split");
        if (sizes == null) {
            long parts = n.has("num_outputs") ? n.attrInt("num_outputs", 1) : n.outputCount();
            long chunk = (x.size(axis) + parts - 1) / parts;
            sizes = new long[(int) parts];
            long left = x.size(axis);
            for (int i = 0; i < parts; i++) {
                sizes[i] = Math.min(chunk, left);
                left -= sizes[i];
            }
        }
        if (Arrays.stream(sizes).sum() != x.size(axis)) {
            throw n.fail("split sizes " + Arrays.toString(sizes) + " do not add up to " + x.size(axis));
        }
        return x.split(sizes, axis).toArray(new Tensor[0]);
    }

    private static Tensor[] slice(NodeCall n) {
        Tensor x = n.required(0);
        long[] starts = n.longs(1), ends = n.longs(2);
        long[] axes = n.input(3) != null ? n.longs(3) : null;
        long[] steps = n.input(4) != null ? n.longs(4) : null;
        if (ends.length != starts.length || (axes != null && axes.length != starts.length)
                || (steps != null && steps.length != starts.length)) {
            throw n.fail("starts, ends, axes and steps must have the same length");
        }
        Tensor y = x;
        for (int i = 0; i < starts.length; i++) {
            int axis = n.axis(axes == null ? i : axes[i], x.dim(), "axis");
            long step = steps == null ? 1 : steps[i];
            if (step == 0) {
                throw n.fail("step must not be 0");
            }
            long dim = x.size(axis);
            long start = starts[i] < 0 ? starts[i] + dim : starts[i];
            long end = ends[i] < 0 ? ends[i] + dim : ends[i];
            if (step > 0) {
                start = Math.max(0, Math.min(dim, start));
                end = Math.max(0, Math.min(dim, end));
                y = end <= start ? y.narrow(axis, start, 0) : y.slice(axis, start, end, step);
            } else {
                // Walk backwards: start in [0, dim-1], end in [-1, dim-1]; on the flipped axis
                // index i becomes dim-1-i, so the walk becomes a forward slice.
                start = Math.max(0, Math.min(dim - 1, start));
                end = Math.max(-1, Math.min(dim - 1, end));
                long fs = dim - 1 - start, fe = dim - 1 - end;
                Tensor f = y.flip(axis);
                y = fe <= fs ? f.narrow(axis, 0, 0) : f.slice(axis, fs, fe, -step);
            }
        }
        return one(y);
    }

    /** Negative indices count from the end (ONNX); Walnut's indexing wants them in range. */
    static Tensor wrapIndices(Tensor idx, long size) {
        Tensor i = idx.dtype() == DType.I64 ? idx : idx.to(DType.I64);
        if (i.numel() == 0) {
            return i;
        }
        return Tensor.where(i.lt(0), i.add(size), i);
    }

    private static Tensor[] gather(NodeCall n) {
        Tensor x = n.required(0);
        Tensor idx = n.required(1);
        int axis = n.axis(n.attrInt("axis", 0), x.dim(), "axis");
        Tensor flat = wrapIndices(idx, x.size(axis)).reshape(idx.numel());
        Tensor picked = x.indexSelect(axis, flat);
        long[] shape = new long[x.dim() - 1 + idx.dim()];
        int k = 0;
        for (int i = 0; i < axis; i++) {
            shape[k++] = x.size(i);
        }
        for (long d : idx.shape()) {
            shape[k++] = d;
        }
        for (int i = axis + 1; i < x.dim(); i++) {
            shape[k++] = x.size(i);
        }
        return one(picked.reshape(shape));
    }

    /** ONNX's two-way broadcast of a shape with a target (Expand): dims of 1 stretch on either side. */
    static long[] broadcast(NodeCall n, long[] a, long[] b) {
        int rank = Math.max(a.length, b.length);
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long da = i - (rank - a.length) >= 0 ? a[i - (rank - a.length)] : 1;
            long db = i - (rank - b.length) >= 0 ? b[i - (rank - b.length)] : 1;
            if (da != db && da != 1 && db != 1) {
                throw n.fail("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " do not broadcast");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    private static Tensor[] pad(NodeCall n) {
        Tensor x = n.required(0);
        long[] pads = n.input(1) != null ? n.longs(1) : n.attrInts("pads");
        if (pads == null) {
            throw n.fail("pads are missing");
        }
        double value = n.input(2) != null && n.input(2).numel() > 0 ? n.input(2).reshape().item()
                : n.attrFloat("value", 0.0);
        int rank = x.dim();
        int[] axes = new int[rank];
        for (int i = 0; i < rank; i++) {
            axes[i] = i;
        }
        if (n.input(3) != null) {
            long[] a = n.longs(3);
            axes = new int[a.length];
            for (int i = 0; i < a.length; i++) {
                axes[i] = n.axis(a[i], rank, "axis");
            }
        }
        if (pads.length != 2 * axes.length) {
            throw n.fail("pads has " + pads.length + " values for " + axes.length + " axes");
        }
        // ONNX: all begins then all ends, first axis first; Walnut (like torch): last dim first, (left, right).
        long[] torchPads = new long[2 * rank];
        for (int i = 0; i < axes.length; i++) {
            int fromLast = rank - 1 - axes[i];
            torchPads[2 * fromLast] = pads[i];
            torchPads[2 * fromLast + 1] = pads[i + axes.length];
        }
        String mode = n.attrString("mode", "constant");
        PadMode m = switch (mode) {
            case "constant" -> PadMode.CONSTANT;
            case "reflect" -> PadMode.REFLECT;
            case "edge" -> PadMode.REPLICATE;
            default -> throw n.fail("pad mode \"" + mode + "\" is not supported (constant, reflect, edge are)");
        };
        long[] out = x.shape().clone();
        for (int i = 0; i < axes.length; i++) {
            out[axes[i]] = Math.max(0, out[axes[i]] + Math.min(Long.MAX_VALUE / 4, pads[i])
                    + Math.min(Long.MAX_VALUE / 4, pads[i + axes.length]));
        }
        n.checkAllocation(out, x.dtype());
        return one(x.pad(torchPads, m, value));
    }
}
