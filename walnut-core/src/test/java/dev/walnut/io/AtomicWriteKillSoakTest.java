package dev.walnut.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.walnut.Tensor;
import dev.walnut.nn.Linear;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance loop of issue 13: a process that keeps rewriting a file with every writer is
 * killed with {@code kill -9} at random moments; after each kill every file still holds one
 * complete save (all its values equal one round number), never a torn or missing one, and the
 * temporaries the kills left behind are removed by the next checkpoint save.
 * Outside the default suite: {@code mvn -Psoak test -pl walnut-core -Dtest=AtomicWriteKillSoakTest}.
 */
@Tag("soak")
class AtomicWriteKillSoakTest {
    private static final int KILLS = 30;
    /** Large enough that a save takes a while, so kills land in the middle of writes. */
    private static final int ELEMENTS = 1 << 20;

    @TempDir
    Path dir;

    /** The child process: rewrites every file, round after round, until it is killed. */
    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        Linear model = new Linear(256, 256);
        for (long round = 0; ; round++) {
            Tensor t = Tensor.full(new long[] {ELEMENTS}, round);
            SafeTensors.save(out.resolve("w.safetensors"), Map.of("w", t));
            Npy.save(out.resolve("w.npy"), t);
            Npy.saveNpz(out.resolve("w.npz"), Map.of("w", t));
            Checkpoint.save(out.resolve("ckpt.safetensors"), model, null, round, round, Map.of());
            if (round == 0) {
                System.out.println("ready");
                System.out.flush();
            }
        }
    }

    private static void assertOneRound(Tensor t) {
        double[] v = t.toDoubleArray();
        assertEquals(ELEMENTS, v.length);
        for (double x : v) {
            assertEquals(v[0], x, "a torn file: values of two saves");
        }
    }

    @Test
    void killingAWriterAtRandomNeverLosesOrTearsTheLastGoodFile() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Random random = new Random(13);
        for (int kill = 0; kill < KILLS; kill++) {
            Process p = new ProcessBuilder(java.toString(), "--add-modules", "jdk.incubator.vector", "-cp",
                    System.getProperty("java.class.path"), AtomicWriteKillSoakTest.class.getName(), dir.toString())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            assertEquals("ready", new String(p.getInputStream().readNBytes(5)));
            Thread.sleep(random.nextInt(400));
            p.destroyForcibly().waitFor();   // SIGKILL: no shutdown hooks, no finally blocks
            assertOneRound(SafeTensors.load(dir.resolve("w.safetensors")).get("w"));
            assertOneRound(Npy.load(dir.resolve("w.npy")));
            assertOneRound(Npy.loadNpz(dir.resolve("w.npz")).get("w"));
            Checkpoint.load(dir.resolve("ckpt.safetensors"), new Linear(256, 256), null);
        }
        Checkpoint.save(dir.resolve("ckpt.safetensors"), new Linear(256, 256), null, 0, 0, Map.of());
        try (Stream<Path> files = Files.list(dir)) {
            List<String> left = files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("ckpt")).toList();
            assertTrue(left.equals(List.of("ckpt.safetensors")), "checkpoint temporaries left: " + left);
        }
    }
}
