package dev.walnut.func;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.walnut.ops.OpDef;
import dev.walnut.ops.Ops;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which primitives {@code vmap} runs by the per-example loop: the documented few without a
 * batching rule of their own (each is still checked against a loop of unbatched calls in
 * {@code TransformRulesTest}). Adding a rule removes an op from this list.
 */
class BatchingRulesCoverageTest {
    @Test
    void onlyTheseOpsFallBackToThePerExampleLoop() {
        List<String> loop = Ops.all().stream().filter(op -> !BatchingRules.hasRule(op)).map(OpDef::name).toList();
        assertEquals(List.of("diagEmbed", "permuteAlongDim", "avgPool2dBackward", "maxUnpool2d",
                "convolutionWeightGrad", "indexAdd", "maskedFill",
                "maskedSelect", "take", "index", "embedding"), loop);
    }
}
