package dev.walnut;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.autograd.Autograd;
import dev.walnut.autograd.GradCheck;
import dev.walnut.autograd.GradOptions;
import dev.walnut.data.DataLoader;
import dev.walnut.data.TensorDataset;
import dev.walnut.func.Func;
import dev.walnut.io.SafeTensors;
import dev.walnut.nn.BatchNorm2d;
import dev.walnut.nn.Conv2d;
import dev.walnut.nn.CrossEntropyLoss;
import dev.walnut.nn.Dropout;
import dev.walnut.nn.Embedding;
import dev.walnut.nn.LayerNorm;
import dev.walnut.nn.Linear;
import dev.walnut.nn.MaxPool2d;
import dev.walnut.nn.ReLU;
import dev.walnut.nn.Sequential;
import dev.walnut.nn.functional.Activations;
import dev.walnut.nn.functional.Affine;
import dev.walnut.nn.functional.Convolution;
import dev.walnut.nn.functional.Distances;
import dev.walnut.nn.functional.Losses;
import dev.walnut.nn.functional.Pooling;
import dev.walnut.nn.functional.Regularization;
import dev.walnut.nn.functional.Sparse;
import dev.walnut.nn.init.Init;
import dev.walnut.optim.Adam;
import dev.walnut.optim.AdamW;
import dev.walnut.optim.Clip;
import dev.walnut.optim.SGD;
import dev.walnut.optim.lr.CosineAnnealingLR;
import dev.walnut.optim.lr.StepLR;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Keeps docs/pytorch-to-walnut.md honest, like the README tour: its Java block is the region
 * between the CHEAT-SHEET markers below, which this test compiles and runs.
 */
class CheatSheetTest {
    private static final String BEGIN = "// CHEAT-SHEET-BEGIN";
    private static final String END = "// CHEAT-SHEET-END";

    @Test
    void everyRowCompilesAndRuns() throws IOException {
        // CHEAT-SHEET-BEGIN
        // ---- tensors ----------------------------------------------- torch
        Tensor a = Tensor.of(new double[][] {{1, 2}, {3, 4}});        // torch.tensor([[1., 2.], [3., 4.]])
        Tensor z = Tensor.zeros(2, 3);                                // torch.zeros(2, 3)
        Tensor o = Tensor.ones(2, 3);                                 // torch.ones(2, 3)
        Tensor f = Tensor.full(new long[] {2}, 7.0);                  // torch.full((2,), 7.)
        Tensor r = Tensor.arange(0L, 10L, 2L);                        // torch.arange(0, 10, 2)
        Tensor l = Tensor.linspace(0, 1, 5);                          // torch.linspace(0, 1, 5)
        Tensor e = Tensor.eye(3);                                     // torch.eye(3)
        Tensor.manualSeed(0);                                         // torch.manual_seed(0)
        Tensor n = Tensor.randn(2, 3);                                // torch.randn(2, 3)
        Tensor d = Tensor.fromArray(new double[] {1, 2}, 2);          // torch.from_numpy(np.array([1., 2.]))
        Tensor i64 = a.to(DType.I64);                                 // a.to(torch.int64)
        long[] s = a.shape();                                         // a.shape
        long rows = a.size(0);                                        // a.size(0)
        double v = a.sum().item();                                    // a.sum().item()
        Object nested = a.toList();                                   // a.tolist()
        Tensor.setDefaultDType(DType.F32);                            // torch.set_default_dtype(torch.float32)
        Tensor zl = Tensor.zerosLike(a);                              // torch.zeros_like(a)
        Tensor f7 = Tensor.fullLike(a, 7.0);                          // torch.full_like(a, 7.)
        Tensor ru = Tensor.rand(2, 3);                                // torch.rand(2, 3)
        Tensor ri = Tensor.randint(0, 10, 3);                         // torch.randint(0, 10, (3,))
        Tensor f64 = Tensor.zeros(new long[] {2}, DType.F64);         // torch.zeros(2, dtype=torch.float64)
        DType dt = a.dtype();                                         // a.dtype
        int nd = a.dim();                                             // a.dim()
        long count = a.numel();                                       // a.numel()
        Tensor ac = a.clone();                                        // a.clone()
        double[][] arr = a.toDoubleArray2d();                         // a.numpy()
        boolean allPos = a.gt(0.0).all().itemBoolean();               // bool((a > 0).all())
        long best = a.argmax().itemLong();                            // a.argmax().item()
        // ---- shapes and indexing ------------------------------------
        Tensor v1 = a.reshape(4);                                     // a.reshape(4)
        Tensor v2 = a.view(-1, 1);                                    // a.view(-1, 1)
        Tensor t = a.t();                                             // a.t()
        Tensor p = n.permute(1, 0);                                   // n.permute(1, 0)
        Tensor u = a.unsqueeze(0);                                    // a.unsqueeze(0)
        Tensor sq = u.squeeze();                                      // u.squeeze()
        Tensor flat = a.flatten();                                    // a.flatten()
        Tensor tr = n.transpose(0, 1);                                // n.transpose(0, 1)
        Tensor ex = Tensor.ones(1, 3).expand(4, 3);                   // torch.ones(1, 3).expand(4, 3)
        Tensor rep = a.repeat(2, 1);                                  // a.repeat(2, 1)
        List<Tensor> chunks = n.chunk(3, 1);                          // n.chunk(3, dim=1)
        List<Tensor> parts = n.split(1, 0);                           // n.split(1, dim=0)
        Tensor fp = a.flip(0);                                        // a.flip(0)
        Tensor nr = n.narrow(1, 0, 2);                                // n.narrow(1, 0, 2)
        Tensor pd = a.pad(1, 1);                                      // F.pad(a, (1, 1))
        Tensor cat = Tensor.cat(List.of(a, a), 0);                    // torch.cat([a, a], 0)
        Tensor st = Tensor.stack(List.of(a, a), 0);                   // torch.stack([a, a], 0)
        Tensor row0 = a.index(Slice.at(0));                           // a[0]
        Tensor col = a.index(Slice.all(), Slice.range(1, 2));         // a[:, 1:2]
        Tensor last = a.index(Slice.ellipsis(), Slice.at(-1));        // a[..., -1]
        Tensor swapped = n.index(Slice.of(1, 0));                     // n[[1, 0]]
        Tensor big = a.index(Slice.of(a.gt(2.0)));                    // a[a > 2]
        Tensor pick = a.index(Slice.of(0, 1), Slice.of(1, 0));        // a[[0, 1], [1, 0]]
        Tensor gat = a.gather(1, Tensor.fromArray(new long[] {1, 0}, 2, 1)); // a.gather(1, torch.tensor([[1], [0]]))
        Tensor isel = a.indexSelect(0, Tensor.of(1L));                // a.index_select(0, torch.tensor([1]))
        Tensor nz = a.gt(2.0).nonzero();                              // (a > 2).nonzero()
        z.indexPut(5.0, Slice.at(0));                                 // z[0] = 5
        o.maskedFillInPlace(o.gt(0.5), 0.0);                          // o[o > 0.5] = 0
        z.indexPut(Tensor.of(1.0, 2.0), Slice.of(1, 0), Slice.at(2)); // z[[1, 0], 2] = torch.tensor([1., 2.])
        z.indexPut(-1.0, Slice.of(z.eq(0.0)));                        // z[z == 0] = -1
        z.index(Slice.all(), Slice.at(0)).addInPlace(1.0);            // z[:, 0] += 1
        Tensor w = Tensor.where(a.gt(2.0), a, Tensor.scalar(0.0));    // torch.where(a > 2, a, 0.)
        // ---- math ---------------------------------------------------
        Tensor mm = a.matmul(a);                                      // a @ a
        Tensor ew = a.mul(a).add(1.0).sqrt();                         // (a * a + 1).sqrt()
        Tensor pw = Tensor.pow(2.0, a);                               // 2.0 ** a
        Tensor mean = a.mean(new int[] {1}, true);                    // a.mean(dim=1, keepdim=True)
        Tensor sm = a.softmax(-1);                                    // a.softmax(-1)
        Tensor am = a.argmax(1, false);                               // a.argmax(dim=1)
        Tensor var = a.var(0);                                        // a.var(correction=0)
        Tensor cl = a.clamp(1.5, 3.5);                                // a.clamp(1.5, 3.5)
        Tensor fl = a.div(3.0).floor();                               // (a / 3).floor()
        Tensor el = a.exp().log();                                    // a.exp().log()
        Tensor sg = a.sigmoid().tanh();                               // a.sigmoid().tanh()
        Tensor mx = a.max(1, false).values();                         // a.max(dim=1).values
        Tensor amx = a.amax(new int[] {0, 1}, false);                 // a.amax(dim=(0, 1))
        Tensor s0 = a.sum(0);                                         // a.sum(0)
        Tensor sd = a.std();                                          // a.std()
        Tensor nrm = a.norm();                                        // a.norm()
        Tensor pr = a.prod();                                         // a.prod()
        Tensor anyBig = a.gt(3.0).any();                              // (a > 3).any()
        Tensor nan = a.isnan();                                       // torch.isnan(a)
        Tensor mxm = a.maximum(a.t());                                // torch.maximum(a, a.t())
        Tensor md = a.remainder(3.0);                                 // a % 3
        Tensor cs = a.cumsum(1);                                      // a.cumsum(1)
        Tensor tk = a.reshape(4).topk(2).values();                    // a.reshape(4).topk(2).values
        Tensor srt = a.reshape(4).sort(0, true).values();             // a.reshape(4).sort(descending=True).values
        Tensor es = Tensor.einsum("ij,jk->ik", a, a);                 // torch.einsum("ij,jk->ik", a, a)
        Tensor same = a.eq(a.t());                                    // a == a.t()
        Tensor lse = a.logsumexp(1, false);                           // torch.logsumexp(a, 1)
        Tensor rd = a.div(3.0).round();                               // (a / 3).round()
        // ---- autograd -----------------------------------------------
        Tensor x = Tensor.of(2.0).setRequiresGrad(true);              // x = torch.tensor([2.], requires_grad=True)
        Tensor y = x.pow(3).sum();                                    // y = (x ** 3).sum()
        y.backward(GradOptions.defaults().retainGraph());             // y.backward(retain_graph=True)
        Tensor dx = x.grad();                                         // x.grad
        Tensor g = Autograd.grad(x.pow(3).sum(), x,
                GradOptions.defaults().createGraph());                // torch.autograd.grad(y, x, create_graph=True)
        try (var off = Autograd.noGrad()) {                           // with torch.no_grad():
            x.subInPlace(dx.mul(0.1));                                //     x -= 0.1 * x.grad
        }
        x.setGrad(null);                                              // x.grad = None
        Tensor xd = x.detach();                                       // x.detach()
        boolean leaf = x.isLeaf();                                    // x.is_leaf
        Tensor h = x.mul(2.0).retainGrad();                           // h = x * 2; h.retain_grad()
        var hook = x.registerHook(grad -> grad.mul(2.0));             // handle = x.register_hook(lambda g: g * 2)
        hook.remove();                                                // handle.remove()
        Tensor jac = Autograd.jacobian(q -> q.mul(q), Tensor.of(1.0, 2.0)); // torch.autograd.functional.jacobian(f, x)
        Tensor hes = Autograd.hessian(q -> q.pow(3).sum(), Tensor.of(1.0, 2.0)); // torch.autograd.functional.hessian(f, x)
        Tensor fg = Func.grad(q -> q[0].pow(3).sum()).apply(Tensor.of(1.0, 2.0)); // torch.func.grad(f)(x)
        Tensor fj = Func.jacrev(q -> q[0].sin()).apply(Tensor.of(1.0, 2.0)); // torch.func.jacrev(f)(x)
        Tensor fh = Func.hessian(q -> q[0].pow(3).sum()).apply(Tensor.of(1.0, 2.0)); // torch.func.hessian(f)(x)
        Tensor fv = Func.vmap(q -> q[0].dot(q[0])).apply(Tensor.ones(4, 3)); // torch.func.vmap(f)(xs)
        boolean ok = GradCheck.gradcheck(in -> in[0].sin(),
                Tensor.of(1.0).to(DType.F64).setRequiresGrad(true)); // torch.autograd.gradcheck(torch.sin, (x,))
        // ---- nn -----------------------------------------------------
        var model = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 3)); // nn.Sequential(...)
        model.eval();                                                 // model.eval()
        model.train();                                                // model.train()
        var state = model.stateDict();                                // model.state_dict()
        model.loadStateDict(state);                                   // model.load_state_dict(state)
        Tensor logits = model.forward(Tensor.randn(5, 4));            // model(torch.randn(5, 4))
        Tensor target = Tensor.of(0L, 2L, 1L, 0L, 1L);                // torch.tensor([0, 2, 1, 0, 1])
        Tensor loss = Losses.crossEntropy(logits, target);            // F.cross_entropy(logits, target)
        Tensor loss2 = new CrossEntropyLoss().forward(logits, target); // nn.CrossEntropyLoss()(logits, target)
        Tensor act = Activations.relu(logits);                        // F.relu(logits)
        var conv = new Conv2d(3, 8, 3, 1, 1);                         // nn.Conv2d(3, 8, 3, padding=1)
        var wide = new Conv2d(3, 8, new int[] {1, 5}, new int[] {1}, new int[] {0, 2}); // nn.Conv2d(3, 8, (1, 5), padding=(0, 2))
        var pool = new MaxPool2d(2);                                  // nn.MaxPool2d(2)
        var bn = new BatchNorm2d(8);                                  // nn.BatchNorm2d(8)
        var ln = new LayerNorm(8);                                    // nn.LayerNorm(8)
        var drop = new Dropout(0.1);                                  // nn.Dropout(0.1)
        var emb = new Embedding(10, 4);                               // nn.Embedding(10, 4)
        Tensor img = pool.forward(bn.forward(conv.forward(Tensor.randn(2, 3, 8, 8)))); // pool(bn(conv(x)))
        var named = model.namedParameters();                          // dict(model.named_parameters())
        model.zeroGrad(true);                                         // model.zero_grad(set_to_none=True)
        Init.xavierUniform(conv.weight());                            // nn.init.xavier_uniform_(conv.weight)
        Tensor lin = Affine.linear(Tensor.randn(5, 4), Tensor.randn(3, 4), null); // F.linear(x, w)
        Tensor look = Sparse.embedding(Tensor.of(1L, 3L), Tensor.randn(10, 4)); // F.embedding(idx, w)
        Tensor oh = Sparse.oneHot(target, 3);                         // F.one_hot(target, 3)
        Tensor cos = Distances.cosineSimilarity(logits, logits);      // F.cosine_similarity(a, b)
        Tensor mse = Losses.mseLoss(logits, Tensor.zeros(5, 3));      // F.mse_loss(logits, y)
        Tensor bce = Losses.binaryCrossEntropyWithLogits(logits, Tensor.ones(5, 3)); // F.binary_cross_entropy_with_logits(logits, y)
        Tensor gl = Activations.gelu(logits);                         // F.gelu(logits)
        Tensor lsm = Activations.logSoftmax(logits, 1);               // F.log_softmax(logits, dim=1)
        Tensor c2 = Convolution.conv2d(img, Tensor.randn(4, 8, 3, 3), null); // F.conv2d(x, w)
        Tensor mp = Pooling.maxPool2d(img, 2);                        // F.max_pool2d(x, 2)
        Tensor dr = Regularization.dropout(logits, 0.5, true);        // F.dropout(logits, 0.5, training=True)
        // ---- optim --------------------------------------------------
        var opt = new Adam(model.parameters(), 1e-3);                 // torch.optim.Adam(model.parameters(), lr=1e-3)
        var sched = new StepLR(opt, 10, 0.1);                         // StepLR(opt, step_size=10, gamma=0.1)
        opt.zeroGrad();                                               // opt.zero_grad()
        loss.backward();                                              // loss.backward()
        double total = Clip.clipGradNorm(model.parameters(), 1.0);    // nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step();                                                   // opt.step()
        sched.step();                                                 // sched.step()
        var sgd = new SGD(model.parameters(), 0.01, 0.9);             // torch.optim.SGD(params, lr=0.01, momentum=0.9)
        var adamw = new AdamW(model.parameters(), 1e-3);              // torch.optim.AdamW(model.parameters(), lr=1e-3)
        var cosine = new CosineAnnealingLR(adamw, 100);               // CosineAnnealingLR(opt, T_max=100)
        opt.zeroGrad(true);                                           // opt.zero_grad(set_to_none=True)
        // ---- saving -------------------------------------------------
        Path file = Files.createTempFile("model", ".safetensors");
        SafeTensors.save(file, model.stateDict());                    // safetensors.torch.save_file(model.state_dict(), file)
        model.loadStateDict(SafeTensors.load(file));                  // model.load_state_dict(load_file(file))
        // ---- data ---------------------------------------------------
        var ds = new TensorDataset(Tensor.randn(10, 4), Tensor.arange(10L)); // TensorDataset(x, y)
        var loader = DataLoader.builder(ds).batchSize(4).shuffle(true).build(); // DataLoader(ds, batch_size=4, shuffle=True)
        for (Tensor[] batch : loader) {                               // for xb, yb in loader:
            Tensor xb = batch[0];
            Tensor yb = batch[1];
        }
        // CHEAT-SHEET-END

        assertEquals(10.0, v, 0.0);
        assertEquals(List.of(List.of(1.0, 2.0), List.of(3.0, 4.0)), nested);
        assertEquals(List.of(1.0, 2.0), row0.toList());
        assertEquals(List.of(2.0, 4.0), last.toList());
        assertEquals(12.0, dx.item(), 0.0, "3 x^2 at 2");
        assertEquals(12.0, g.item(), 0.0);
        assertEquals(0.8, xd.item(), 1e-6, "2 - 0.1 * 12");
        assertEquals(List.of(List.of(6.0, 5.0, 2.0), List.of(0.0, -1.0, 1.0)), z.toList(),
                "z[0] = 5, z[[1, 0], 2] = [1, 2], z[z == 0] = -1, z[:, 0] += 1");
        assertEquals(0.0, o.sum().item(), 0.0);
        assertEquals(loss.item(), loss2.item(), 1e-6);
        assertTrue(sgd.lr() == 0.01 && act.dim() == 2 && mm.dim() == 2 && pw.dim() == 2 && st.dim() == 3);
        assertEquals(List.of(3.0, 4.0), big.toList());
        assertEquals(List.of(2.0, 3.0), pick.toList());
        assertTrue(allPos && best == 3 && count == 4 && arr[1][0] == 3.0 && anyBig.itemBoolean());
        assertEquals(24.0, pr.item(), 0.0);
        assertArrayEquals(new long[] {2, 8, 8, 8}, wide.forward(Tensor.randn(2, 3, 8, 8)).shape());
        assertArrayEquals(new long[] {2, 4, 2, 2}, c2.shape());
        assertTrue(ok && leaf && jac.dim() == 2 && hes.dim() == 2 && h.requiresGrad());
        assertTrue(fg.equal(Tensor.of(3.0, 12.0)) && fh.equal(Tensor.of(6.0, 12.0).diag()), fg + " " + fh);
        assertArrayEquals(new long[] {2, 2}, fj.shape());
        assertTrue(fv.equal(Tensor.full(new long[] {4}, 3.0)), fv::toString);
        Files.delete(file);
    }

    @Test
    void theCheatSheetShowsExactlyTheMarkedRegion() throws IOException {
        Path moduleDir = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
        Path doc = moduleDir.resolve("../docs/pytorch-to-walnut.md").normalize();
        Path source = moduleDir.resolve("src/test/java/dev/walnut/CheatSheetTest.java");
        List<String> docLines = Files.readString(doc, StandardCharsets.UTF_8).lines().toList();
        int open = docLines.indexOf("```java");
        int close = docLines.subList(open + 1, docLines.size()).indexOf("```") + open + 1;
        assertTrue(open >= 0 && close > open, "docs/pytorch-to-walnut.md needs one ```java block");
        List<String> src = Files.readString(source, StandardCharsets.UTF_8).lines().map(String::strip).toList();
        int begin = src.indexOf(BEGIN);
        int end = src.lastIndexOf(END);
        assertEquals(src.subList(begin + 1, end), docLines.subList(open + 1, close).stream().map(String::strip).toList(),
                "docs/pytorch-to-walnut.md differs from the region CheatSheetTest runs; copy one into the other");
    }
}
