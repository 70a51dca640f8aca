package dev.walnut.onnx;

import static dev.walnut.onnx.OnnxOp.one;

import dev.walnut.PadMode;
import dev.walnut.Tensor;
import dev.walnut.nn.functional.Convolution;
import dev.walnut.nn.functional.Normalization;
import dev.walnut.nn.functional.Pooling;

import java.util.Arrays;
import java.util.Map;

/**
 * Convolution, pooling and normalization. ONNX writes pads as all begins then all ends and
 * allows them to differ; Walnut's layers pad symmetrically, so an asymmetric pad (or
 * {@code auto_pad} SAME_* that needs one) becomes an explicit {@code pad} before the op.
 */
final class NnImporters {
    private NnImporters() {
    }

    static void register(Map<String, OnnxOp> ops) {
        ops.put("Conv", NnImporters::conv);
        ops.put("ConvTranspose", NnImporters::convTranspose);
        ops.put("MaxPool", n -> pool(n, true));
        ops.put("AveragePool", n -> pool(n, false));
        ops.put("GlobalAveragePool", n -> one(n.required(0).mean(spatial(n.required(0)), true)));
        ops.put("GlobalMaxPool", n -> one(n.required(0).amax(spatial(n.required(0)), true)));
        ops.put("BatchNormalization", NnImporters::batchNorm);
        ops.put("InstanceNormalization", n -> one(Normalization.instanceNorm(n.required(0), null, null,
                n.required(1), n.required(2), true, 0.1, n.attrFloat("epsilon", 1e-5))));
        ops.put("LayerNormalization", NnImporters::layerNorm);
        ops.put("GroupNormalization", NnImporters::groupNorm);
        ops.put("MeanVarianceNormalization", n -> {
            Tensor x = n.required(0);
            long[] axes = n.attrInts("axes");
            int[] dims = axes == null ? new int[] {0, 2, 3} : new int[axes.length];
            for (int i = 0; axes != null && i < axes.length; i++) {
                dims[i] = n.axis(axes[i], x.dim(), "axis");
            }
            Tensor centered = x.sub(x.mean(dims, true));
            return one(centered.div(centered.square().mean(dims, true).add(1e-9).sqrt()));
        });
        ops.put("LpNormalization", n -> {
            Tensor x = n.required(0);
            int axis = n.axis(n.attrInt("axis", -1), x.dim(), "axis");
            long p = n.attrInt("p", 2);
            if (p != 1 && p != 2) {
                throw n.fail("p must be 1 or 2, got " + p);
            }
            return one(x.div(x.norm(p, new int[] {axis}, true)));
        });
    }

    private static int[] spatial(Tensor x) {
        int[] dims = new int[Math.max(0, x.dim() - 2)];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = i + 2;
        }
        return dims;
    }

    /** Kernel geometry of a windowed op: sizes, strides, dilations and the begin/end pads. */
    private record Window(int[] kernel, int[] strides, int[] dilations, long[] begin, long[] end) {
        boolean symmetric() {
            return Arrays.equals(begin, end);
        }

        int[] pads() {
            return Arrays.stream(begin).mapToInt(v -> (int) v).toArray();
        }

        /** Walnut/torch pad list (last dim first) for the explicit pad of an asymmetric window. */
        long[] torchPads() {
            int nd = begin.length;
            long[] p = new long[2 * nd];
            for (int i = 0; i < nd; i++) {
                p[2 * (nd - 1 - i)] = begin[i];
                p[2 * (nd - 1 - i) + 1] = end[i];
            }
            return p;
        }
    }

    private static Window window(NodeCall n, Tensor x, int[] kernel) {
        int nd = kernel.length;
        int[] strides = ints(n, "strides", nd, 1);
        int[] dilations = ints(n, "dilations", nd, 1);
        long[] begin = new long[nd], end = new long[nd];
        String autoPad = n.attrString("auto_pad", "NOTSET");
        switch (autoPad) {
            case "NOTSET" -> {
                long[] pads = n.attrInts("pads");
                if (pads != null) {
                    if (pads.length != 2 * nd) {
                        throw n.fail("pads has " + pads.length + " values for " + nd + " spatial dims");
                    }
                    begin = Arrays.copyOfRange(pads, 0, nd);
                    end = Arrays.copyOfRange(pads, nd, 2 * nd);
                }
            }
            case "VALID" -> {
                // no padding
            }
            case "SAME_UPPER", "SAME_LOWER" -> {
                for (int i = 0; i < nd; i++) {
                    long in = x.size(i + 2);
                    long out = (in + strides[i] - 1) / strides[i];
                    long total = Math.max(0, (out - 1) * strides[i] + (long) (kernel[i] - 1) * dilations[i] + 1 - in);
                    long small = total / 2;
                    begin[i] = autoPad.equals("SAME_UPPER") ? small : total - small;
                    end[i] = total - begin[i];
                }
            }
            default -> throw n.fail("auto_pad \"" + autoPad + "\" is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
        }
        return new Window(kernel, strides, dilations, begin, end);
    }

    private static int[] ints(NodeCall n, String name, int count, int defaultValue) {
        long[] v = n.attrInts(name);
        int[] out = new int[count];
        Arrays.fill(out, defaultValue);
        if (v != null) {
            if (v.length != count) {
                throw n.fail(name + " has " + v.length + " values for " + count + " spatial dims");
            }
            for (int i = 0; i < count; i++) {
                out[i] = Math.toIntExact(v[i]);
            }
        }
        return out;
    }

    private static Tensor[] conv(NodeCall n) {
        Tensor x = n.required(0), w = n.required(1), b = n.input(2);
        int nd = w.dim() - 2;
        if (nd < 1 || nd > 3 || x.dim() != nd + 2) {
            throw n.fail("expected input [N, C, *spatial] and weight [M, C/group, *kernel] with 1 to 3 spatial dims");
        }
        int[] kernel = new int[nd];
        for (int i = 0; i < nd; i++) {
            kernel[i] = (int) w.size(i + 2);
        }
        Window win = window(n, x, kernel);
        int groups = (int) n.attrInt("group", 1);
        int[] pads = win.pads();
        if (!win.symmetric()) {
            x = x.pad(win.torchPads());
            pads = new int[nd];
        }
        return one(switch (nd) {
            case 1 -> Convolution.conv1d(x, w, b, win.strides()[0], pads[0], win.dilations()[0], groups);
            case 2 -> Convolution.conv2d(x, w, b, win.strides(), pads, win.dilations(), groups);
            default -> Convolution.conv3d(x, w, b, win.strides(), pads, win.dilations(), groups);
        });
    }

    private static Tensor[] convTranspose(NodeCall n) {
        Tensor x = n.required(0), w = n.required(1), b = n.input(2);
        int nd = w.dim() - 2;
        if (nd < 1 || nd > 3 || x.dim() != nd + 2) {
            throw n.fail("expected input [N, C, *spatial] and weight [C, M/group, *kernel] with 1 to 3 spatial dims");
        }
        if (n.has("output_shape")) {
            throw n.fail("the output_shape attribute is not supported; export with explicit pads and output_padding");
        }
        if (!n.attrString("auto_pad", "NOTSET").equals("NOTSET") && !n.attrString("auto_pad", "").equals("VALID")) {
            throw n.fail("auto_pad " + n.attrString("auto_pad", "") + " is not supported for ConvTranspose");
        }
        int[] strides = ints(n, "strides", nd, 1);
        int[] dilations = ints(n, "dilations", nd, 1);
        int[] outputPadding = ints(n, "output_padding", nd, 0);
        long[] pads = n.attrInts("pads");
        int[] p = new int[nd];
        if (pads != null) {
            if (pads.length != 2 * nd) {
                throw n.fail("pads has " + pads.length + " values for " + nd + " spatial dims");
            }
            for (int i = 0; i < nd; i++) {
                if (pads[i] != pads[i + nd]) {
                    throw n.fail("asymmetric pads " + Arrays.toString(pads) + " are not supported for ConvTranspose");
                }
                p[i] = (int) pads[i];
            }
        }
        int groups = (int) n.attrInt("group", 1);
        return one(switch (nd) {
            case 1 -> Convolution.convTranspose1d(x, w, b, strides[0], p[0], outputPadding[0], groups, dilations[0]);
            case 2 -> Convolution.convTranspose2d(x, w, b, strides, p, outputPadding, groups, dilations);
            default -> Convolution.convTranspose3d(x, w, b, strides, p, outputPadding, groups, dilations);
        });
    }

    private static Tensor[] pool(NodeCall n, boolean max) {
        Tensor x = n.required(0);
        long[] k = n.attrInts("kernel_shape");
        if (k == null) {
            throw n.fail("kernel_shape is missing");
        }
        int nd = k.length;
        if (nd < 1 || nd > 2 || x.dim() != nd + 2) {
            throw n.fail("Walnut pools over 1 or 2 spatial dims of an [N, C, *spatial] input; kernel_shape is "
                    + Arrays.toString(k));
        }
        if (max && n.wantsOutput(1)) {
            throw n.fail("the Indices output of MaxPool is not supported");
        }
        if (max && n.attrInt("storage_order", 0) != 0) {
            throw n.fail("storage_order = 1 is not supported");
        }
        int[] kernel = Arrays.stream(k).mapToInt(Math::toIntExact).toArray();
        Window win = window(n, x, kernel);
        boolean ceil = n.attrInt("ceil_mode", 0) != 0;
        boolean countIncludePad = n.attrInt("count_include_pad", 0) != 0;
        int[] pads = win.pads();
        if (!win.symmetric()) {
            if (!max && !countIncludePad) {
                throw n.fail("asymmetric pads with count_include_pad = 0 are not supported");
            }
            x = x.pad(win.torchPads(), PadMode.CONSTANT, max ? Double.NEGATIVE_INFINITY : 0.0);
            pads = new int[nd];
        }
        if (!max && Arrays.stream(win.dilations()).anyMatch(d -> d != 1)) {
            throw n.fail("AveragePool with dilations is not supported");
        }
        if (nd == 1) {
            return one(max ? Pooling.maxPool1d(x, kernel[0], win.strides()[0], pads[0], win.dilations()[0], ceil)
                    : Pooling.avgPool1d(x, kernel[0], win.strides()[0], pads[0], ceil, countIncludePad));
        }
        return one(max ? Pooling.maxPool2d(x, kernel, win.strides(), pads, win.dilations(), ceil)
                : Pooling.avgPool2d(x, kernel, win.strides(), pads, ceil, countIncludePad, null));
    }

    private static Tensor[] batchNorm(NodeCall n) {
        Tensor x = n.required(0), scale = n.required(1), bias = n.required(2), mean = n.required(3), var = n.required(4);
        double eps = n.attrFloat("epsilon", 1e-5);
        boolean training = n.attrInt("training_mode", 0) != 0;
        if (training) {
            if (n.wantsOutput(1) || n.wantsOutput(2)) {
                throw n.fail("training_mode = 1 with running_mean/running_var outputs is not supported; "
                        + "export in eval mode and fine-tune the imported model instead");
            }
            return one(Normalization.batchNorm(x, null, null, scale, bias, true, 0.1, eps));
        }
        return one(Normalization.batchNorm(x, mean, var, scale, bias, false, 0.1, eps));
    }

    /**
     * Opset 18's GroupNormalization: statistics per (sample, group); scale and bias have one value
     * per group (opset 21 changed them to one per channel, which is also accepted).
     */
    private static Tensor[] groupNorm(NodeCall n) {
        Tensor x = n.required(0), scale = n.required(1), bias = n.required(2);
        long groups = n.attrInt("num_groups", 0);
        if (x.dim() < 2 || groups <= 0 || x.size(1) % groups != 0) {
            throw n.fail("expected [N, C, *] with C divisible by num_groups " + groups);
        }
        long c = x.size(1);
        Tensor y = Normalization.groupNorm(x, groups, null, null, n.attrFloat("epsilon", 1e-5));
        if (scale.numel() == groups && groups != c) {
            // Spread each group's value over its channels.
            scale = scale.reshape(groups, 1).expand(groups, c / groups).reshape(c);
            bias = bias.reshape(groups, 1).expand(groups, c / groups).reshape(c);
        } else if (scale.numel() != c || bias.numel() != c) {
            throw n.fail("scale and bias must have num_groups (" + groups + ") or C (" + c + ") elements");
        }
        long[] shape = new long[x.dim()];
        java.util.Arrays.fill(shape, 1);
        shape[1] = c;
        return one(y.mul(scale.reshape(shape)).add(bias.reshape(shape)));
    }

    private static Tensor[] layerNorm(NodeCall n) {
        Tensor x = n.required(0), scale = n.required(1), bias = n.input(2);
        if (n.wantsOutput(1) || n.wantsOutput(2)) {
            throw n.fail("the Mean and InvStdDev outputs of LayerNormalization are not supported");
        }
        int axis = n.axis(n.attrInt("axis", -1), x.dim(), "axis");
        long[] normalized = Arrays.copyOfRange(x.shape(), axis, x.dim());
        double eps = n.attrFloat("epsilon", 1e-5);
        if (Arrays.equals(scale.shape(), normalized) && (bias == null || Arrays.equals(bias.shape(), normalized))) {
            return one(Normalization.layerNorm(x, normalized, scale, bias, eps));
        }
        // Scale and bias that only broadcast to the normalized shape: normalize, then apply them.
        Tensor y = Normalization.layerNorm(x, normalized, null, null, eps).mul(scale);
        return one(bias == null ? y : y.add(bias));
    }
}
