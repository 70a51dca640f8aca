package dev.walnut;

import java.util.Locale;

/**
 * PyTorch-style printing: {@code tensor([[1.0000, 2.5000], [3.0000, 4.0000]], requires_grad=True)}.
 * Floats print with 4 decimals, as integers with a trailing dot when all values are whole, or
 * in scientific notation when magnitudes span a wide range. Large tensors are summarised with
 * "..." keeping 3 items at each edge, as PyTorch does past 1000 elements.
 */
final class TensorFormatter {
    private static final int THRESHOLD = 1000;
    private static final int EDGE = 3;

    private TensorFormatter() {
    }

    static String format(Tensor t) {
        String prefix = "tensor(";
        StringBuilder sb = new StringBuilder(prefix);
        int n = Shapes.numel(t.shape);
        if (n == 0) {
            sb.append("[]");
        } else {
            Tensor c = Creation.contiguousOf(t, t.dtype);
            boolean summarize = n > THRESHOLD;
            Style style = Style.of(c, summarize);
            appendDim(sb, c, 0, c.offset, summarize, style, prefix.length());
        }
        if (n == 0 && t.shape.length != 1) {
            sb.append(", size=(");
            for (int i = 0; i < t.shape.length; i++) {
                sb.append(i == 0 ? "" : ", ").append(t.shape[i]);
            }
            sb.append(t.shape.length == 1 ? ",)" : ")");
        }
        if (t.dtype != DType.F32 && t.dtype != DType.I64 && t.dtype != DType.BOOL) {
            sb.append(", dtype=torch.").append(t.dtype.pytorchName());
        }
        if (t.gradFn() != null) {
            sb.append(", grad_fn=<").append(t.gradFn().name()).append('>');
        } else if (t.requiresGrad()) {
            sb.append(", requires_grad=True");
        }
        return sb.append(')').toString();
    }

    private static final int LINE_WIDTH = 80;

    private static void appendDim(StringBuilder sb, Tensor c, int dim, int offset, boolean summarize, Style style,
                                  int indent) {
        int rank = c.shape.length;
        if (rank == 0) {
            sb.append(style.format(Access.getDouble(c.storage, offset), c.dtype));
            return;
        }
        int size = c.shape[dim];
        int stride = c.strides[dim];
        boolean cut = summarize && size > 2 * EDGE;
        if (dim == rank - 1) {
            // PyTorch's vector layout: padded items, " ..." for the cut, wrapped to 80 columns.
            var items = new java.util.ArrayList<String>();
            for (int i = 0; i < size; i++) {
                if (cut && i == EDGE) {
                    items.add(" ...");
                    i = size - EDGE;
                }
                items.add(style.pad(style.format(Access.getDouble(c.storage, offset + i * stride), c.dtype)));
            }
            int perLine = Math.max(1, (LINE_WIDTH - indent - dim) / (style.width + 2));
            sb.append('[');
            for (int i = 0; i < items.size(); i++) {
                if (i > 0) {
                    sb.append(i % perLine == 0 ? ",\n" + " ".repeat(indent + dim + 1) : ", ");
                }
                sb.append(items.get(i));
            }
            sb.append(']');
            return;
        }
        String separator = "," + "\n".repeat(rank - dim - 1) + " ".repeat(indent + dim + 1);
        sb.append('[');
        for (int i = 0; i < size; i++) {
            if (i > 0) {
                sb.append(separator);
            }
            if (cut && i == EDGE) {
                sb.append("...").append(separator);
                i = size - EDGE;
            }
            appendDim(sb, c, dim + 1, offset + i * stride, summarize, style, indent);
        }
        sb.append(']');
    }

    /** How numbers are written, chosen once from all (shown) values so columns line up. */
    private static final class Style {
        enum Kind { INT, BOOL, WHOLE_FLOAT, FIXED, SCIENTIFIC }

        final Kind kind;
        int width;

        private Style(Kind kind) {
            this.kind = kind;
        }

        static Style of(Tensor c, boolean summarize) {
            if (c.dtype == DType.BOOL) {
                Style s = new Style(Kind.BOOL);
                s.width = 5;
                return s;
            }
            // Like PyTorch: only the values that will be shown, and only the non-zero finite
            // ones, decide the notation and the column width.
            double[] shown = shownValues(c, summarize);
            double maxAbs = 0;
            double minAbs = Double.POSITIVE_INFINITY;
            boolean whole = true;
            int finiteNonZero = 0;
            for (double v : shown) {
                if (Double.isNaN(v) || Double.isInfinite(v) || v == 0) {
                    continue;
                }
                finiteNonZero++;
                double a = Math.abs(v);
                maxAbs = Math.max(maxAbs, a);
                minAbs = Math.min(minAbs, a);
                if (v != Math.rint(v)) {
                    whole = false;
                }
            }
            Style s;
            if (!c.dtype.isFloatingPoint()) {
                s = new Style(Kind.INT);
            } else if (whole) {
                s = new Style(maxAbs >= 1e8 ? Kind.SCIENTIFIC : Kind.WHOLE_FLOAT);
            } else if (maxAbs >= 1e8 || minAbs < 1e-4 || maxAbs / minAbs > 1000) {
                s = new Style(Kind.SCIENTIFIC);
            } else {
                s = new Style(Kind.FIXED);
            }
            int w = 1;
            for (double v : shown) {
                boolean counts = !c.dtype.isFloatingPoint() || finiteNonZero == 0
                        || !(Double.isNaN(v) || Double.isInfinite(v) || v == 0);
                if (counts) {
                    w = Math.max(w, s.format(v, c.dtype).length());
                }
            }
            s.width = w;
            return s;
        }

        /** The elements a summarised print shows: EDGE items at both ends of every dim. */
        private static double[] shownValues(Tensor c, boolean summarize) {
            int n = Shapes.numel(c.shape);
            var out = new java.util.ArrayList<Double>();
            int rank = c.shape.length;
            int[] idx = new int[rank];
            for (int flat = 0; flat < n; flat++) {
                int rem = flat;
                boolean visible = true;
                for (int d = rank - 1; d >= 0; d--) {
                    idx[d] = rem % c.shape[d];
                    rem /= c.shape[d];
                    if (summarize && c.shape[d] > 2 * EDGE && idx[d] >= EDGE && idx[d] < c.shape[d] - EDGE) {
                        visible = false;
                    }
                }
                if (visible) {
                    out.add(Access.getDouble(c.storage, c.offset + flat));
                }
            }
            double[] r = new double[out.size()];
            for (int i = 0; i < r.length; i++) {
                r[i] = out.get(i);
            }
            return r;
        }

        String pad(String v) {
            return v.length() >= width ? v : " ".repeat(width - v.length()) + v;
        }

        String format(double v, DType dtype) {
            if (Double.isNaN(v)) {
                return "nan";
            }
            if (Double.isInfinite(v)) {
                return v > 0 ? "inf" : "-inf";
            }
            return switch (kind) {
                case BOOL -> v != 0 ? "True" : "False";
                case INT -> Long.toString((long) v);
                case WHOLE_FLOAT -> (v == 0 && 1 / v < 0 ? "-0" : Long.toString((long) v)) + ".";
                case FIXED -> String.format(Locale.ROOT, "%.4f", v);
                case SCIENTIFIC -> String.format(Locale.ROOT, "%.4e", v);
            };
        }
    }
}
