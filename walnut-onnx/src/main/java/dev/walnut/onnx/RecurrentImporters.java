package dev.walnut.onnx;

import dev.walnut.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * ONNX's LSTM, GRU and RNN, unrolled over time with Walnut ops (so they are differentiable like
 * the rest of the graph). Gate orders are ONNX's: LSTM {@code i, o, f, c}, GRU {@code z, r, h}
 * (PyTorch's exporter reorders its own {@code i, f, g, o} and {@code r, z, n} into them). The
 * input projection of all time steps is one matmul; only the recurrent part loops.
 */
final class RecurrentImporters {
    private RecurrentImporters() {
    }

    static void register(Map<String, OnnxOp> ops) {
        ops.put("LSTM", n -> run(n, Cell.LSTM));
        ops.put("GRU", n -> run(n, Cell.GRU));
        ops.put("RNN", n -> run(n, Cell.RNN));
    }

    private enum Cell {
        LSTM(4), GRU(3), RNN(1);

        final int gates;

        Cell(int gates) {
            this.gates = gates;
        }
    }

    private static Tensor[] run(NodeCall n, Cell cell) {
        Tensor x = n.required(0), w = n.required(1), r = n.required(2), b = n.input(3), seqLens = n.input(4);
        Tensor h0 = n.input(5), c0 = cell == Cell.LSTM ? n.input(6) : null;
        if (cell == Cell.LSTM && n.input(7) != null) {
            throw n.fail("peephole weights (input P) are not supported");
        }
        if (n.has("clip")) {
            throw n.fail("the clip attribute is not supported");
        }
        if (cell == Cell.LSTM && n.attrInt("input_forget", 0) != 0) {
            throw n.fail("input_forget = 1 is not supported");
        }
        boolean batchFirst = n.attrInt("layout", 0) != 0;
        if (batchFirst) {
            x = x.transpose(0, 1);
            h0 = h0 == null ? null : h0.transpose(0, 1);
            c0 = c0 == null ? null : c0.transpose(0, 1);
        }
        if (x.dim() != 3) {
            throw n.fail("X must be [seq_length, batch_size, input_size]");
        }
        long seq = x.size(0), batch = x.size(1);
        if (seqLens != null) {
            for (long len : seqLens.toLongArray()) {
                if (len != seq) {
                    throw n.fail("sequence_lens other than the full length " + seq + " are not supported");
                }
            }
        }
        String direction = n.attrString("direction", "forward");
        int dirs = direction.equals("bidirectional") ? 2 : 1;
        if (!direction.equals("forward") && !direction.equals("reverse") && dirs == 1) {
            throw n.fail("direction \"" + direction + "\" is not forward, reverse or bidirectional");
        }
        long hidden = n.has("hidden_size") ? n.attrInt("hidden_size", 0) : r.size(2);
        if (w.dim() != 3 || w.size(0) != dirs || w.size(1) != cell.gates * hidden) {
            throw n.fail("W must be [" + dirs + ", " + cell.gates * hidden + ", input_size]");
        }
        List<UnaryOperator<Tensor>> acts = activations(n, cell, dirs);
        boolean linearBeforeReset = n.attrInt("linear_before_reset", 0) != 0;
        Tensor[] ys = new Tensor[dirs];
        Tensor[] hs = new Tensor[dirs];
        Tensor[] cs = new Tensor[dirs];
        for (int d = 0; d < dirs; d++) {
            boolean reverse = direction.equals("reverse") || d == 1;
            Tensor wd = w.select(0, d), rd = r.select(0, d);
            Tensor wb = null, rb = null;
            if (b != null) {
                Tensor bd = b.select(0, d);
                wb = bd.narrow(0, 0, cell.gates * hidden);
                rb = bd.narrow(0, cell.gates * hidden, cell.gates * hidden);
            }
            Tensor h = h0 != null ? h0.select(0, d) : Tensor.zeros(new long[] {batch, hidden}, x.dtype());
            Tensor c = c0 != null ? c0.select(0, d) : Tensor.zeros(new long[] {batch, hidden}, x.dtype());
            // X W^T (+ Wb) for every step at once: [seq, batch, gates * hidden].
            Tensor xw = x.matmul(wd.t());
            if (wb != null) {
                xw = xw.add(wb);
            }
            int per = actsPerDirection(cell);
            UnaryOperator<Tensor> f = acts.get(d * per);
            UnaryOperator<Tensor> g = per > 1 ? acts.get(d * per + 1) : null;
            UnaryOperator<Tensor> hAct = per > 2 ? acts.get(d * per + 2) : null;
            Tensor[] outs = new Tensor[(int) seq];
            for (long s = 0; s < seq; s++) {
                long t = reverse ? seq - 1 - s : s;
                Tensor xt = xw.select(0, t);
                // GRU applies its recurrent weights per gate (the candidate's after the reset gate).
                Tensor hr = cell == Cell.GRU ? null : h.matmul(rd.t());
                if (hr != null && rb != null) {
                    hr = hr.add(rb);
                }
                switch (cell) {
                    case LSTM -> {
                        List<Tensor> gates = xt.add(hr).chunk(4, 1);
                        Tensor i = f.apply(gates.get(0)), o = f.apply(gates.get(1)), fg = f.apply(gates.get(2));
                        Tensor cc = g.apply(gates.get(3));
                        c = fg.mul(c).add(i.mul(cc));
                        h = o.mul(hAct.apply(c));
                    }
                    case GRU -> {
                        List<Tensor> xg = xt.chunk(3, 1);
                        Tensor rz = rd.narrow(0, 0, 2 * hidden), rh = rd.narrow(0, 2 * hidden, hidden);
                        Tensor hrz = h.matmul(rz.t());
                        if (rb != null) {
                            hrz = hrz.add(rb.narrow(0, 0, 2 * hidden));
                        }
                        List<Tensor> hg = hrz.chunk(2, 1);
                        Tensor z = f.apply(xg.get(0).add(hg.get(0)));
                        Tensor rr = f.apply(xg.get(1).add(hg.get(1)));
                        Tensor rbh = rb == null ? null : rb.narrow(0, 2 * hidden, hidden);
                        Tensor cand;
                        if (linearBeforeReset) {
                            Tensor hh = h.matmul(rh.t());
                            cand = rr.mul(rbh == null ? hh : hh.add(rbh));
                        } else {
                            cand = rr.mul(h).matmul(rh.t());
                            cand = rbh == null ? cand : cand.add(rbh);
                        }
                        Tensor hn = g.apply(xg.get(2).add(cand));
                        h = z.rsub(1.0).mul(hn).add(z.mul(h));
                    }
                    case RNN -> h = f.apply(xt.add(hr));
                }
                outs[(int) t] = h;
            }
            ys[d] = seq == 0 ? Tensor.zeros(new long[] {0, batch, hidden}, x.dtype()) : Tensor.stack(outs, 0);
            hs[d] = h;
            cs[d] = c;
        }
        Tensor y = Tensor.stack(ys, 1);        // [seq, dirs, batch, hidden]
        Tensor yh = Tensor.stack(hs, 0);       // [dirs, batch, hidden]
        Tensor yc = cell == Cell.LSTM ? Tensor.stack(cs, 0) : null;
        if (batchFirst) {
            y = y.permute(2, 0, 1, 3);         // [batch, seq, dirs, hidden]
            yh = yh.transpose(0, 1);
            yc = yc == null ? null : yc.transpose(0, 1);
        }
        return new Tensor[] {y, yh, yc};
    }

    private static int actsPerDirection(Cell cell) {
        return switch (cell) {
            case LSTM -> 3;
            case GRU -> 2;
            case RNN -> 1;
        };
    }

    private static List<UnaryOperator<Tensor>> activations(NodeCall n, Cell cell, int dirs) {
        List<String> names = n.attrStrings("activations");
        float[] alpha = n.attrFloats("activation_alpha");
        float[] beta = n.attrFloats("activation_beta");
        if (names == null || names.isEmpty()) {
            names = new ArrayList<>();
            for (int d = 0; d < dirs; d++) {
                switch (cell) {
                    case LSTM -> names.addAll(List.of("Sigmoid", "Tanh", "Tanh"));
                    case GRU -> names.addAll(List.of("Sigmoid", "Tanh"));
                    case RNN -> names.add("Tanh");
                }
            }
        }
        if (names.size() != dirs * actsPerDirection(cell)) {
            throw n.fail("expected " + dirs * actsPerDirection(cell) + " activations, got " + names);
        }
        List<UnaryOperator<Tensor>> out = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            String a = names.get(i);
            double al = alpha != null && i < alpha.length ? alpha[i] : Double.NaN;
            double be = beta != null && i < beta.length ? beta[i] : Double.NaN;
            out.add(switch (a) {
                case "Sigmoid" -> Tensor::sigmoid;
                case "Tanh" -> Tensor::tanh;
                case "Relu" -> Tensor::relu;
                case "HardSigmoid" -> v -> v.mul(Double.isNaN(al) ? 0.2 : al).add(Double.isNaN(be) ? 0.5 : be)
                        .clamp(0, 1);
                case "Affine" -> v -> v.mul(Double.isNaN(al) ? 1.0 : al).add(Double.isNaN(be) ? 0.0 : be);
                default -> throw n.fail("activation \"" + a + "\" is not supported (Sigmoid, Tanh, Relu, "
                        + "HardSigmoid, Affine are)");
            });
        }
        return out;
    }
}
