package dev.walnut.onnx;

import static dev.walnut.onnx.ExportWriter.attr;

import ai.onnx.proto.OnnxMl.AttributeProto;
import dev.walnut.DType;
import dev.walnut.graph.Dim;
import dev.walnut.graph.Node;
import dev.walnut.graph.Value;
import dev.walnut.ops.ElementwiseOps;
import dev.walnut.ops.IndexingOps;
import dev.walnut.ops.ReductionOps;
import dev.walnut.ops.ShapeContentOps;
import dev.walnut.ops.ViewOps;
import dev.walnut.ops.WindowOps;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The export rule of each Walnut primitive: the ONNX nodes (opset 17 or 18) that compute the
 * same outputs. Ops that ONNX cannot express, or that only appear in backward graphs or after
 * fusion, have a reason instead, which the export error quotes with the node.
 */
final class ExportOps {
    /** Writes the ONNX nodes of the writer's current node. */
    @FunctionalInterface
    interface Rule {
        void write(ExportWriter w);
    }

    private static final Map<String, Rule> RULES = new TreeMap<>();
    private static final Map<String, String> UNSUPPORTED = new TreeMap<>();

    private ExportOps() {
    }

    /** The rule of an op, or null. */
    static Rule rule(String op) {
        return RULES.get(op);
    }

    /** Why an op cannot be exported. */
    static String reason(String op) {
        return UNSUPPORTED.getOrDefault(op, "no ONNX export rule for this op");
    }

    /** The ops with a rule, sorted. */
    static java.util.Set<String> supported() {
        return Collections.unmodifiableSet(RULES.keySet());
    }

    static {
        // Elementwise arithmetic: inputs converted to the output dtype, as Walnut promotes.
        binary("add", "Add");
        binary("sub", "Sub");
        binary("mul", "Mul");
        binary("div", "Div");
        binary("pow", "Pow");
        binary("maximum", "Max");
        binary("minimum", "Min");
        RULES.put("fmod", w -> {
            DType dt = w.outValue(0).dtype();
            w.emitTo("Mod", List.of(w.inAs(0, dt), w.inAs(1, dt)), List.of(w.out(0)), attr("fmod", 1));
        });
        RULES.put("remainder", w -> {
            DType dt = w.outValue(0).dtype();
            String a = w.inAs(0, dt);
            String b = w.inAs(1, dt);
            if (!dt.isFloatingPoint()) {
                // Mod with fmod=0 takes the sign of the divisor, like Python's % and torch.remainder.
                w.emitTo("Mod", List.of(a, b), List.of(w.out(0)), attr("fmod", 0));
                return;
            }
            String q = w.emit("Floor", List.of(w.emit("Div", List.of(a, b))));
            w.emitTo("Sub", List.of(a, w.emit("Mul", List.of(q, b))), List.of(w.out(0)));
        });

        RULES.put("atan2", ExportOps::atan2);

        unary("neg", "Neg");
        unary("abs", "Abs");
        unary("sign", "Sign");
        unary("exp", "Exp");
        unary("log", "Log");
        unary("sqrt", "Sqrt");
        unary("reciprocal", "Reciprocal");
        unary("sin", "Sin");
        unary("cos", "Cos");
        unary("tanh", "Tanh");
        unary("sigmoid", "Sigmoid");
        unary("erf", "Erf");
        unary("relu", "Relu");
        unary("floor", "Floor");
        unary("ceil", "Ceil");
        // Both round half to even.
        unary("round", "Round");
        RULES.put("rsqrt", w -> w.emitTo("Reciprocal", List.of(w.emit("Sqrt", List.of(x(w)))), List.of(w.out(0))));
        RULES.put("square", w -> {
            String x = x(w);
            w.emitTo("Mul", List.of(x, x), List.of(w.out(0)));
        });
        RULES.put("log1p", w -> w.emitTo("Log", List.of(w.emit("Add", List.of(x(w), one(w)))), List.of(w.out(0))));
        RULES.put("expm1", w -> w.emitTo("Sub", List.of(w.emit("Exp", List.of(x(w))), one(w)), List.of(w.out(0))));
        RULES.put("trunc", w -> {
            String x = x(w);
            String negative = w.emit("Less", List.of(x, w.scalar(0, w.outValue(0).dtype())));
            w.emitTo("Where", List.of(negative, w.emit("Ceil", List.of(x)), w.emit("Floor", List.of(x))),
                    List.of(w.out(0)));
        });

        // Tensor-scalar ops: the scalar becomes a 0-d constant of the output dtype.
        scalarOp("addScalar", "Add", false);
        scalarOp("mulScalar", "Mul", false);
        scalarOp("divScalar", "Div", false);
        scalarOp("powScalar", "Pow", false);
        scalarOp("rsubScalar", "Sub", true);
        scalarOp("rdivScalar", "Div", true);
        scalarOp("rpowScalar", "Pow", true);
        RULES.put("clamp", w -> {
            var a = (ElementwiseOps.Clamp) w.node().attrs();
            DType dt = w.outValue(0).dtype();
            String min = Double.isInfinite(a.min()) && a.min() < 0 ? "" : w.scalar(a.min(), dt);
            String max = Double.isInfinite(a.max()) && a.max() > 0 ? "" : w.scalar(a.max(), dt);
            w.emitTo("Clip", List.of(w.inAs(0, dt), min, max), List.of(w.out(0)));
        });
        RULES.put("to", w -> w.emitTo("Cast", List.of(w.in(0)), List.of(w.out(0)),
                attr("to", ExportWriter.elemType(((ElementwiseOps.Cast) w.node().attrs()).dtype()))));
        RULES.put("where", w -> {
            DType dt = w.outValue(0).dtype();
            w.emitTo("Where", List.of(w.inAs(0, DType.BOOL), w.inAs(1, dt), w.inAs(2, dt)), List.of(w.out(0)));
        });
        compare("eq", "Equal", false);
        compare("ne", "Equal", true);
        compare("lt", "Less", false);
        compare("le", "LessOrEqual", false);
        compare("gt", "Greater", false);
        compare("ge", "GreaterOrEqual", false);
        logical("logicalAnd", "And");
        logical("logicalOr", "Or");
        logical("logicalXor", "Xor");
        RULES.put("logicalNot", w -> w.emitTo("Not", List.of(w.inAs(0, DType.BOOL)), List.of(w.out(0))));

        RULES.put("matmul", w -> {
            DType dt = w.outValue(0).dtype();
            w.emitTo("MatMul", List.of(w.inAs(0, dt), w.inAs(1, dt)), List.of(w.out(0)));
        });

        // Reductions. ReduceSum takes its axes as an input since opset 13, the others from 18.
        reduce("sum", "ReduceSum", 13);
        reduce("mean", "ReduceMean", 18);
        reduce("prod", "ReduceProd", 18);
        reduce("amax", "ReduceMax", 18);
        reduce("amin", "ReduceMin", 18);
        reduce("logsumexp", "ReduceLogSumExp", 18);
        reduce("norm", "ReduceL2", 18);
        argExtreme("max", "ReduceMax", "ArgMax");
        argExtreme("min", "ReduceMin", "ArgMin");
        RULES.put("softmax", w -> w.emitTo("Softmax", List.of(x(w)), List.of(w.out(0)),
                attr("axis", ((ReductionOps.Softmax) w.node().attrs()).dim())));
        RULES.put("logSoftmax", w -> w.emitTo("LogSoftmax", List.of(x(w)), List.of(w.out(0)),
                attr("axis", ((ReductionOps.Softmax) w.node().attrs()).dim())));

        // Views and shapes. Sizes come from the output's dims, so a reshape target or an expand
        // shape that follows the batch is computed from the input's runtime shape.
        Rule reshape = w -> {
            List<Dim> target = w.outValue(0).shape();
            // ONNX reads a 0 in the target as "keep the input's dim" unless allowzero is set.
            boolean empty = target.stream().anyMatch(d -> d.isStatic() && d.example() == 0);
            w.emitTo("Reshape", List.of(w.in(0), w.shape(target)), List.of(w.out(0)),
                    empty ? new AttributeProto[] {attr("allowzero", 1)} : new AttributeProto[0]);
        };
        RULES.put("reshape", reshape);
        RULES.put("view", reshape);
        RULES.put("expand", w -> w.emitTo("Expand", List.of(w.in(0), w.shape(w.outValue(0).shape())), List.of(w.out(0))));
        RULES.put("permute", w -> w.emitTo("Transpose", List.of(w.in(0)), List.of(w.out(0)),
                attr("perm", ((ViewOps.Permute) w.node().attrs()).dims())));
        RULES.put("transpose", w -> {
            var a = (ViewOps.Transpose) w.node().attrs();
            int rank = w.inValue(0).shape().size();
            int[] perm = new int[rank];
            for (int i = 0; i < rank; i++) {
                perm[i] = i;
            }
            perm[axis(a.dim0(), rank)] = axis(a.dim1(), rank);
            perm[axis(a.dim1(), rank)] = axis(a.dim0(), rank);
            w.emitTo("Transpose", List.of(w.in(0)), List.of(w.out(0)), attr("perm", perm));
        });
        RULES.put("slice", w -> {
            var a = (ViewOps.Slice) w.node().attrs();
            Dim start = attrDim(w, "start", a.start());
            Dim length = attrDim(w, "length", a.length());
            String end;
            if (start.isStatic() && length.isStatic()) {
                end = w.ints(a.length() == 0 ? a.start() : a.start() + (a.length() - 1) * a.step() + 1);
            } else {
                // One past the last element: start + (length - 1) * step + 1, never below start (an
                // empty run's end would otherwise turn negative, which ONNX counts from the back).
                end = w.dimValue(start.plus(length, a.step(), 1 - a.step()));
                if (a.step() > 1) {
                    end = w.emit("Max", List.of(end, w.dimValue(start)));
                }
            }
            w.emitTo("Slice", List.of(w.in(0), w.dimValue(start), end, w.ints(a.dim()), w.ints(a.step())),
                    List.of(w.out(0)));
        });
        RULES.put("select", w -> {
            var a = (ViewOps.Select) w.node().attrs();
            Dim index = attrDim(w, "index", a.index());
            if (index.isStatic()) {
                w.emitTo("Gather", List.of(w.in(0), w.scalar(a.index(), DType.I64)), List.of(w.out(0)),
                        attr("axis", a.dim()));
            } else {
                // A [1] index keeps the dim; Squeeze drops it (axes as an input since opset 13).
                String picked = w.emit("Gather", List.of(w.in(0), w.dimValue(index)), attr("axis", a.dim()));
                w.emitTo("Squeeze", List.of(picked, w.ints(a.dim())), List.of(w.out(0)));
            }
        });
        RULES.put("clone", w -> w.emitTo("Identity", List.of(w.in(0)), List.of(w.out(0))));
        RULES.put("cat", w -> {
            DType dt = w.outValue(0).dtype();
            List<String> ins = new ArrayList<>();
            for (int i = 0; i < w.inputCount(); i++) {
                ins.add(w.inAs(i, dt));
            }
            w.emitTo("Concat", ins, List.of(w.out(0)), attr("axis", ((ViewOps.Cat) w.node().attrs()).dim()));
        });
        RULES.put("constantPad", w -> {
            var a = (ShapeContentOps.Pad) w.node().attrs();
            int rank = w.inValue(0).shape().size();
            long[] p = a.pad();
            // PyTorch lists (begin, end) pairs from the last dim backwards; ONNX all begins, then all ends.
            long[] pads = new long[2 * rank];
            for (int k = 0; k < p.length / 2; k++) {
                int d = rank - 1 - k;
                pads[d] = p[2 * k];
                pads[rank + d] = p[2 * k + 1];
            }
            DType dt = w.outValue(0).dtype();
            w.emitTo("Pad", List.of(w.in(0), w.ints(pads), w.scalar(a.value(), dt)), List.of(w.out(0)),
                    attr("mode", "constant"));
        });
        RULES.put("flip", w -> {
            int[] dims = ((ShapeContentOps.Dims) w.node().attrs()).dims();
            long[] starts = new long[dims.length];
            long[] ends = new long[dims.length];
            long[] steps = new long[dims.length];
            Arrays.fill(starts, -1);
            Arrays.fill(ends, Long.MIN_VALUE);
            Arrays.fill(steps, -1);
            w.emitTo("Slice", List.of(w.in(0), w.ints(starts), w.ints(ends),
                    w.ints(Arrays.stream(dims).asLongStream().toArray()), w.ints(steps)), List.of(w.out(0)));
        });
        RULES.put("diagonal", ExportOps::diagonal);
        RULES.put("cumsum", w -> w.emitTo("CumSum", List.of(w.inAs(0, w.outValue(0).dtype()),
                w.scalar(((ShapeContentOps.Dim) w.node().attrs()).dim(), DType.I64)), List.of(w.out(0))));
        RULES.put("topk", w -> {
            var a = (ShapeContentOps.TopK) w.node().attrs();
            w.emitTo("TopK", List.of(w.in(0), w.ints(a.k())), List.of(w.out(0), w.out(1)), attr("axis", a.dim()),
                    attr("largest", a.largest() ? 1 : 0), attr("sorted", 1));
        });
        RULES.put("sort", w -> {
            var a = (ShapeContentOps.Sort) w.node().attrs();
            Dim size = w.inValue(0).shape().get(axis(a.dim(), w.inValue(0).shape().size()));
            if (!size.isStatic()) {
                throw w.fail("sorting along a dynamic dim has no fixed-k ONNX TopK; export with that dim static");
            }
            w.emitTo("TopK", List.of(w.in(0), w.ints(size.example())), List.of(w.out(0), w.out(1)),
                    attr("axis", a.dim()), attr("largest", a.descending() ? 1 : 0), attr("sorted", 1));
        });

        // Indexing.
        Rule gatherAlong = w -> w.emitTo("Gather", List.of(w.in(0), w.in(1)), List.of(w.out(0)),
                attr("axis", ((IndexingOps.Dim) w.node().attrs()).dim()));
        RULES.put("indexSelect", gatherAlong);
        RULES.put("index", gatherAlong);
        RULES.put("embedding", w -> w.emitTo("Gather", List.of(w.in(0), w.in(1)), List.of(w.out(0)), attr("axis", 0)));
        RULES.put("gather", w -> w.emitTo("GatherElements", List.of(w.in(0), w.in(1)), List.of(w.out(0)),
                attr("axis", ((IndexingOps.Dim) w.node().attrs()).dim())));
        RULES.put("scatter", w -> w.emitTo("ScatterElements", List.of(w.in(0), w.in(1), w.inAs(2, w.outValue(0).dtype())),
                List.of(w.out(0)), attr("axis", ((IndexingOps.Dim) w.node().attrs()).dim())));
        RULES.put("scatterAdd", w -> w.emitTo("ScatterElements", List.of(w.in(0), w.in(1), w.inAs(2, w.outValue(0).dtype())),
                List.of(w.out(0)), attr("axis", ((IndexingOps.Dim) w.node().attrs()).dim()), attr("reduction", "add")));
        RULES.put("scatterValue", w -> {
            var a = (IndexingOps.ScatterValue) w.node().attrs();
            String src = w.emit("Expand", List.of(w.scalar(a.value(), w.outValue(0).dtype()),
                    w.emit("Shape", List.of(w.in(1)))));
            w.emitTo("ScatterElements", List.of(w.in(0), w.in(1), src), List.of(w.out(0)), attr("axis", a.dim()));
        });
        RULES.put("maskedFill", w -> {
            DType dt = w.outValue(0).dtype();
            w.emitTo("Where", List.of(w.inAs(1, DType.BOOL), w.inAs(2, dt), w.in(0)), List.of(w.out(0)));
        });
        RULES.put("maskedFillScalar", w -> {
            DType dt = w.outValue(0).dtype();
            w.emitTo("Where", List.of(w.inAs(1, DType.BOOL), w.scalar(((IndexingOps.Fill) w.node().attrs()).value(), dt),
                    w.in(0)), List.of(w.out(0)));
        });
        RULES.put("permuteAlongDim", w -> w.emitTo("GatherElements", List.of(w.in(0), w.in(1)), List.of(w.out(0)),
                attr("axis", ((ShapeContentOps.Dim) w.node().attrs()).dim())));
        RULES.put("indexAdd", w -> {
            // The 1-d index, shaped to broadcast along its dim and expanded to the source's shape,
            // is ScatterElements' index; reduction=add accumulates duplicates as index_add does.
            var a = (IndexingOps.IndexAdd) w.node().attrs();
            DType dt = w.outValue(0).dtype();
            int rank = w.inValue(2).shape().size();
            long[] along = new long[rank];
            Arrays.fill(along, 1);
            along[axis(a.dim(), rank)] = -1;
            String sourceShape = w.emit("Shape", List.of(w.in(2)));
            String index = w.emit("Expand", List.of(w.emit("Reshape", List.of(w.in(1), w.ints(along))), sourceShape));
            String source = w.inAs(2, dt);
            if (a.alpha() != 1) {
                source = w.emit("Mul", List.of(source, w.scalar(a.alpha(), dt)));
            }
            w.emitTo("ScatterElements", List.of(w.in(0), index, source), List.of(w.out(0)), attr("axis", a.dim()),
                    attr("reduction", "add"));
        });
        RULES.put("take", w -> w.emitTo("Gather", List.of(w.emit("Reshape", List.of(w.in(0), w.ints(-1))), w.in(1)),
                List.of(w.out(0)), attr("axis", 0)));

        // Convolution and pooling.
        RULES.put("convolution", w -> {
            List<String> ins = new ArrayList<>(List.of(w.in(0), w.in(1)));
            if (w.inputCount() > 2) {
                ins.add(w.in(2));
            }
            w.emitTo("Conv", ins, List.of(w.out(0)));
        });
        RULES.put("stridedConvolution", w -> {
            var s = (WindowOps.Stride) w.node().attrs();
            List<String> ins = new ArrayList<>(List.of(w.in(0), w.in(1)));
            if (w.inputCount() > 2) {
                ins.add(w.in(2));
            }
            w.emitTo("Conv", ins, List.of(w.out(0)), attr("strides", new long[] {s.height(), s.width()}));
        });
        RULES.put("im2col", ExportOps::im2col);
        RULES.put("depthwiseConv2d", ExportOps::depthwiseConv);
        RULES.put("maxPool2d", ExportOps::maxPool);
        RULES.put("avgPool2d", ExportOps::avgPool);
        RULES.put("maxUnpool2d", ExportOps::maxUnpool);
        RULES.put("thresholdBackward", w -> {
            double t = ((ElementwiseOps.Threshold) w.node().attrs()).threshold();
            String above = w.emit("Greater", List.of(w.in(1), w.scalar(t, w.inValue(1).dtype())));
            w.emitTo("Where", List.of(above, w.in(0), w.scalar(0, w.outValue(0).dtype())), List.of(w.out(0)));
        });

        UNSUPPORTED.put("cumprod", "ONNX has no cumulative product operator");
        UNSUPPORTED.put("maskedSelect", "its output size depends on the data (ONNX shapes cannot express it here)");
        UNSUPPORTED.put("diagEmbed", "ONNX has no diagonal-embedding operator");
        for (String backward : List.of("sliceBackward", "col2im", "avgPool2dBackward", "convolutionInputGrad",
                "convolutionWeightGrad", "convolutionBiasGrad", "maxPool2dBackward")) {
            UNSUPPORTED.put(backward, "it appears in backward graphs, which ONNX export does not cover; export an "
                    + "inference graph (a module's forward, traced in eval mode)");
        }
        for (String fused : List.of("fusedElementwise", "fusedLinear", "fusedLayerNorm", "fusedAttention")) {
            UNSUPPORTED.put(fused, "it is made by the compiler's fusion passes; export the graph before fusion "
                    + "(OnnxExport runs only simplification passes)");
        }
    }

    private static String x(ExportWriter w) {
        return w.inAs(0, w.outValue(0).dtype());
    }

    private static String one(ExportWriter w) {
        return w.scalar(1, w.outValue(0).dtype());
    }

    private static int axis(int d, int rank) {
        return d < 0 ? d + rank : d;
    }

    /** Integer attribute {@code name} of the node: its size expression, or the traced value. */
    private static Dim attrDim(ExportWriter w, String name, long traced) {
        Dim d = w.node().dynamicAttr(name);
        return d == null ? Dim.of(traced) : d;
    }


    private static void binary(String op, String onnx) {
        RULES.put(op, w -> {
            DType dt = w.outValue(0).dtype();
            w.emitTo(onnx, List.of(w.inAs(0, dt), w.inAs(1, dt)), List.of(w.out(0)));
        });
    }

    private static void unary(String op, String onnx) {
        RULES.put(op, w -> w.emitTo(onnx, List.of(x(w)), List.of(w.out(0))));
    }

    private static void scalarOp(String op, String onnx, boolean reversed) {
        RULES.put(op, w -> {
            if (w.node().hasDynamicAttrs()) {
                // A size-derived scalar (e.g. x / x.size(0)): an ONNX constant would keep the traced size.
                throw w.fail("its scalar follows a dynamic dim; export with that dim static");
            }
            DType dt = w.outValue(0).dtype();
            String s = w.scalar(((ElementwiseOps.Scalar) w.node().attrs()).value(), dt);
            String x = x(w);
            w.emitTo(onnx, reversed ? List.of(s, x) : List.of(x, s), List.of(w.out(0)));
        });
    }

    private static void compare(String op, String onnx, boolean negate) {
        RULES.put(op, w -> {
            DType a = w.inValue(0).dtype();
            DType b = w.inValue(1).dtype();
            DType common = a == b ? a : a == DType.F64 || b == DType.F64 ? DType.F64
                    : a.isFloatingPoint() || b.isFloatingPoint() ? DType.F32 : DType.I64;
            List<String> ins = List.of(w.inAs(0, common), w.inAs(1, common));
            if (negate) {
                w.emitTo("Not", List.of(w.emit(onnx, ins)), List.of(w.out(0)));
            } else {
                w.emitTo(onnx, ins, List.of(w.out(0)));
            }
        });
    }

    private static void logical(String op, String onnx) {
        RULES.put(op, w -> w.emitTo(onnx, List.of(w.inAs(0, DType.BOOL), w.inAs(1, DType.BOOL)), List.of(w.out(0))));
    }

    private static void reduce(String op, String onnx, int axesInputSince) {
        RULES.put(op, w -> {
            var a = (ReductionOps.Reduce) w.node().attrs();
            int[] dims = a.dims();
            List<String> ins = new ArrayList<>(List.of(x(w)));
            List<AttributeProto> attrs = new ArrayList<>(List.of(attr("keepdims", a.keepDim() ? 1 : 0)));
            // Empty dims reduce everything, which is ONNX's default without axes.
            if (dims.length > 0) {
                long[] axes = Arrays.stream(dims).asLongStream().toArray();
                if (w.opset >= axesInputSince) {
                    ins.add(w.ints(axes));
                } else {
                    attrs.add(attr("axes", axes));
                }
            }
            w.emitTo(onnx, ins, List.of(w.out(0)), attrs.toArray(AttributeProto[]::new));
        });
    }

    private static void argExtreme(String op, String reduceOp, String argOp) {
        RULES.put(op, w -> {
            var a = (ReductionOps.Dim) w.node().attrs();
            int keep = a.keepDim() ? 1 : 0;
            if (w.opset >= 18) {
                w.emitTo(reduceOp, List.of(w.in(0), w.ints(a.dim())), List.of(w.out(0)), attr("keepdims", keep));
            } else {
                w.emitTo(reduceOp, List.of(w.in(0)), List.of(w.out(0)), attr("axes", new long[] {a.dim()}),
                        attr("keepdims", keep));
            }
            w.emitTo(argOp, List.of(w.in(0)), List.of(w.out(1)), attr("axis", a.dim()), attr("keepdims", keep));
        });
    }

    /**
     * The diagonal as a Gather: the two dims moved last and flattened into one, then the flat
     * positions {@code (i, i + offset)} picked (the diagonal is the output's last dim, as in PyTorch).
     */
    private static void diagonal(ExportWriter w) {
        var a = (ShapeContentOps.Diagonal) w.node().attrs();
        List<Dim> in = w.inValue(0).shape();
        int rank = in.size();
        Dim n = in.get(a.dim1());
        Dim m = in.get(a.dim2());
        if (!n.isStatic() || !m.isStatic()) {
            throw w.fail("the diagonal's dims must be static");
        }
        int[] perm = new int[rank];
        for (int d = 0, k = 0; d < rank; d++) {
            if (d != a.dim1() && d != a.dim2()) {
                perm[k++] = d;
            }
        }
        perm[rank - 2] = a.dim1();
        perm[rank - 1] = a.dim2();
        String moved = w.emit("Transpose", List.of(w.in(0)), attr("perm", perm));
        List<Dim> flat = new ArrayList<>(w.outValue(0).shape().subList(0, rank - 2));
        flat.add(Dim.of(n.example() * m.example()));
        String flattened = w.emit("Reshape", List.of(moved, w.shape(flat)));
        long length = w.outValue(0).shape().get(rank - 2).example();
        long[] picks = new long[(int) length];
        long o = a.offset();
        for (int i = 0; i < picks.length; i++) {
            picks[i] = o >= 0 ? i * m.example() + i + o : (i - o) * m.example() + i;
        }
        w.emitTo("Gather", List.of(flattened, w.ints(picks)), List.of(w.out(0)), attr("axis", rank - 2));
    }

    /**
     * atan2(y, x) from Atan(y / x) and the quadrant: +-pi where x < 0, +-pi/2 (or 0) where x == 0.
     * Division by zero only feeds branches Where discards.
     */
    private static void atan2(ExportWriter w) {
        DType dt = w.outValue(0).dtype();
        String y = w.inAs(0, dt);
        String x = w.inAs(1, dt);
        String zero = w.scalar(0, dt);
        String q = w.emit("Atan", List.of(w.emit("Div", List.of(y, x))));
        String left = w.emit("Where", List.of(w.emit("GreaterOrEqual", List.of(y, zero)),
                w.emit("Add", List.of(q, w.scalar(Math.PI, dt))), w.emit("Sub", List.of(q, w.scalar(Math.PI, dt)))));
        String axis = w.emit("Where", List.of(w.emit("Greater", List.of(y, zero)), w.scalar(Math.PI / 2, dt),
                w.emit("Where", List.of(w.emit("Less", List.of(y, zero)), w.scalar(-Math.PI / 2, dt), zero))));
        String notRight = w.emit("Where", List.of(w.emit("Less", List.of(x, zero)), left, axis));
        w.emitTo("Where", List.of(w.emit("Greater", List.of(x, zero)), q, notRight), List.of(w.out(0)));
    }

    /**
     * im2col as a grouped convolution with a one-hot kernel: output channel {@code c*K + i} copies
     * the input channel {@code c} at kernel position {@code i}, which is exactly im2col's row
     * order; the spatial grid is then flattened. Multiplying by one and adding zeros is exact.
     */
    private static void im2col(ExportWriter w) {
        var a = (WindowOps.Window) w.node().attrs();
        Value x = w.inValue(0);
        Dim channels = x.shape().get(1);
        if (!channels.isStatic()) {
            throw w.fail("the channel dim must be static");
        }
        int[] kernel = a.kernel();
        int c = (int) channels.example();
        int k = 1;
        for (int s : kernel) {
            k *= s;
        }
        long[] wShape = new long[2 + kernel.length];
        wShape[0] = (long) c * k;
        wShape[1] = 1;
        for (int i = 0; i < kernel.length; i++) {
            wShape[2 + i] = kernel[i];
        }
        double[] one = new double[c * k * k];
        for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < k; i++) {
                one[(ch * k + i) * k + i] = 1;
            }
        }
        String weight = w.constant(dev.walnut.Tensor.fromArray(one, wShape).to(x.dtype()));
        long[] pads = new long[2 * kernel.length];
        for (int i = 0; i < kernel.length; i++) {
            pads[i] = a.padding()[i];
            pads[kernel.length + i] = a.padding()[i];
        }
        String cols = w.emit("Conv", List.of(w.in(0), weight), attr("group", c), attr("kernel_shape", kernel),
                attr("strides", a.stride()), attr("dilations", a.dilation()), attr("pads", pads));
        w.emitTo("Reshape", List.of(cols, w.shape(w.outValue(0).shape())), List.of(w.out(0)));
    }

    /** The depthwise convolution primitive as ONNX's grouped Conv with one group per input channel. */
    private static void depthwiseConv(ExportWriter w) {
        var a = (WindowOps.DepthwiseWindow) w.node().attrs();
        Dim channels = w.inValue(0).shape().get(1);
        if (!channels.isStatic()) {
            throw w.fail("the channel dim must be static");
        }
        List<String> ins = new ArrayList<>(List.of(w.in(0), w.in(1)));
        if (w.inputCount() > 2) {
            ins.add(w.in(2));
        }
        w.emitTo("Conv", ins, List.of(w.out(0)), attr("group", (int) channels.example()),
                attr("strides", new int[] {a.strideH(), a.strideW()}),
                attr("dilations", new int[] {a.dilationH(), a.dilationW()}),
                attr("pads", new long[] {a.padH(), a.padW(), a.padH(), a.padW()}));
    }

    /** The 2-d pooling attributes, or an error for windows ONNX pooling cannot express. */
    private static List<AttributeProto> poolAttrs(ExportWriter w, WindowOps.Pool p) {
        List<Dim> s = w.inValue(0).shape();
        if (!s.get(2).isStatic() || !s.get(3).isStatic()) {
            throw w.fail("pooling needs static spatial dims");
        }
        long h = s.get(2).example();
        long wd = s.get(3).example();
        if (p.adaptive()) {
            if (h % p.outH() != 0 || wd % p.outW() != 0) {
                throw w.fail("adaptive pooling from " + h + "x" + wd + " to " + p.outH() + "x" + p.outW()
                        + " has windows of different sizes, which ONNX pooling cannot express");
            }
            long[] k = {h / p.outH(), wd / p.outW()};
            return List.of(attr("kernel_shape", k), attr("strides", k));
        }
        int[] g = p.geometry();
        List<AttributeProto> attrs = new ArrayList<>(List.of(attr("kernel_shape", new long[] {g[0], g[1]}),
                attr("strides", new long[] {g[2], g[3]}), attr("pads", new long[] {g[4], g[5], g[4], g[5]})));
        long floorH = (h + 2L * g[4] - (long) g[6] * (g[0] - 1) - 1) / g[2] + 1;
        long floorW = (wd + 2L * g[5] - (long) g[7] * (g[1] - 1) - 1) / g[3] + 1;
        if (floorH != p.outH() || floorW != p.outW()) {
            attrs.add(attr("ceil_mode", 1));
        }
        if (g[6] != 1 || g[7] != 1) {
            attrs.add(attr("dilations", new long[] {g[6], g[7]}));
        }
        return attrs;
    }

    private static void maxPool(ExportWriter w) {
        var p = (WindowOps.Pool) w.node().attrs();
        List<AttributeProto> attrs = poolAttrs(w, p);
        if (!w.isUsed(w.outValue(1))) {
            w.emitTo("MaxPool", List.of(w.in(0)), List.of(w.out(0)), attrs.toArray(AttributeProto[]::new));
            return;
        }
        // ONNX's indices count over the whole tensor, Walnut's within each plane.
        List<Dim> s = w.inValue(0).shape();
        String flat = w.temp();
        w.emitTo("MaxPool", List.of(w.in(0)), List.of(w.out(0), flat), attrs.toArray(AttributeProto[]::new));
        long plane = s.get(2).example() * s.get(3).example();
        w.emitTo("Mod", List.of(flat, w.scalar(plane, DType.I64)), List.of(w.out(1)));
    }

    private static void avgPool(ExportWriter w) {
        var p = (WindowOps.Pool) w.node().attrs();
        List<AttributeProto> attrs = new ArrayList<>(poolAttrs(w, p));
        if (!p.adaptive()) {
            int[] g = p.geometry();
            if (g[6] != 1 || g[7] != 1) {
                throw w.fail("dilated average pooling needs ONNX opset 19");
            }
            List<Dim> s = w.inValue(0).shape();
            double[] given = p.divisor();
            long h = s.get(2).example();
            long wd = s.get(3).example();
            if (given != null && Arrays.equals(given, divisors(g, h, wd, p, true))) {
                attrs.add(attr("count_include_pad", 1));
            } else if (given != null && !Arrays.equals(given, divisors(g, h, wd, p, false))) {
                throw w.fail("its divisors are neither the window sizes with nor without padding "
                        + "(a divisor override), which ONNX AveragePool cannot express");
            }
        }
        w.emitTo("AveragePool", List.of(w.in(0)), List.of(w.out(0)), attrs.toArray(AttributeProto[]::new));
    }

    /**
     * Max unpooling as ScatterElements of each plane's values, at their flat in-plane indices,
     * into a zero plane of the output's size.
     */
    private static void maxUnpool(ExportWriter w) {
        var u = (WindowOps.Unpool) w.node().attrs();
        List<Dim> in = w.inValue(0).shape();
        if (!in.get(2).isStatic() || !in.get(3).isStatic()) {
            throw w.fail("max unpooling needs static spatial dims");
        }
        List<Dim> planes = List.of(in.get(0), in.get(1), Dim.of(in.get(2).example() * in.get(3).example()));
        List<Dim> outPlanes = List.of(in.get(0), in.get(1), Dim.of((long) u.outH() * u.outW()));
        String values = w.emit("Reshape", List.of(w.in(0), w.shape(planes)));
        String index = w.emit("Reshape", List.of(w.in(1), w.shape(planes)));
        String zeros = w.emit("Expand", List.of(w.scalar(0, w.outValue(0).dtype()), w.shape(outPlanes)));
        String scattered = w.emit("ScatterElements", List.of(zeros, index, values), attr("axis", 2));
        w.emitTo("Reshape", List.of(scattered, w.shape(w.outValue(0).shape())), List.of(w.out(0)));
    }

    /** The divisor of each window, counting padding or not, as PyTorch's avg_pool2d does. */
    private static double[] divisors(int[] g, long h, long wd, WindowOps.Pool p, boolean includePad) {
        double[] d = new double[p.outH() * p.outW()];
        for (int i = 0; i < p.outH(); i++) {
            for (int j = 0; j < p.outW(); j++) {
                long h0 = (long) i * g[2] - g[4];
                long w0 = (long) j * g[3] - g[5];
                long h1 = Math.min(h0 + g[0], h + g[4]);
                long w1 = Math.min(w0 + g[1], wd + g[5]);
                if (!includePad) {
                    h1 = Math.min(h1, h);
                    w1 = Math.min(w1, wd);
                    h0 = Math.max(h0, 0);
                    w0 = Math.max(w0, 0);
                }
                d[i * p.outW() + j] = (double) (h1 - h0) * (w1 - w0);
            }
        }
        return d;
    }
}
