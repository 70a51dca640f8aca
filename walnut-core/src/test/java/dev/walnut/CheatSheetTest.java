package dev.walnut;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.autograd.Autograd;
import dev.walnut.autograd.GradOptions;
import dev.walnut.data.DataLoader;
import dev.walnut.data.TensorDataset;
import dev.walnut.nn.CrossEntropyLoss;
import dev.walnut.nn.Linear;
import dev.walnut.nn.ReLU;
import dev.walnut.nn.Sequential;
import dev.walnut.nn.functional.Activations;
import dev.walnut.nn.functional.Losses;
import dev.walnut.optim.Adam;
import dev.walnut.optim.SGD;
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
    void everyRowCompilesAndRuns() {
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
        // ---- shapes and indexing ------------------------------------
        Tensor v1 = a.reshape(4);                                     // a.reshape(4)
        Tensor v2 = a.view(-1, 1);                                    // a.view(-1, 1)
        Tensor t = a.t();                                             // a.t()
        Tensor p = n.permute(1, 0);                                   // n.permute(1, 0)
        Tensor u = a.unsqueeze(0);                                    // a.unsqueeze(0)
        Tensor sq = u.squeeze();                                      // u.squeeze()
        Tensor cat = Tensor.cat(List.of(a, a), 0);                    // torch.cat([a, a], 0)
        Tensor st = Tensor.stack(List.of(a, a), 0);                   // torch.stack([a, a], 0)
        Tensor row0 = a.index(Slice.at(0));                           // a[0]
        Tensor col = a.index(Slice.all(), Slice.range(1, 2));         // a[:, 1:2]
        Tensor last = a.index(Slice.ellipsis(), Slice.at(-1));        // a[..., -1]
        z.indexPut(5.0, Slice.at(0));                                 // z[0] = 5
        o.maskedFillInPlace(o.gt(0.5), 0.0);                          // o[o > 0.5] = 0
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
        // ---- optim --------------------------------------------------
        var opt = new Adam(model.parameters(), 1e-3);                 // torch.optim.Adam(model.parameters(), lr=1e-3)
        var sched = new StepLR(opt, 10, 0.1);                         // StepLR(opt, step_size=10, gamma=0.1)
        opt.zeroGrad();                                               // opt.zero_grad()
        loss.backward();                                              // loss.backward()
        opt.step();                                                   // opt.step()
        sched.step();                                                 // sched.step()
        var sgd = new SGD(model.parameters(), 0.01, 0.9);             // torch.optim.SGD(params, lr=0.01, momentum=0.9)
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
        assertEquals(List.of(5.0, 5.0, 5.0), z.index(Slice.at(0)).toList());
        assertEquals(0.0, o.sum().item(), 0.0);
        assertEquals(loss.item(), loss2.item(), 1e-6);
        assertTrue(sgd.lr() == 0.01 && act.dim() == 2 && mm.dim() == 2 && pw.dim() == 2 && st.dim() == 3);
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
