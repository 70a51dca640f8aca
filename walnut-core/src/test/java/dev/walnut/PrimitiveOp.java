package dev.walnut;

/**
 * The gradient-check coverage keys: one entry per node name a primitive records, used by the
 * table tests ({@code OpGradCheckTest}, the {@code *OpCases} rows) to require a float64
 * finite-difference check for every differentiable primitive. The runtime registry of
 * primitives is {@link dev.walnut.ops.Ops#all()}; {@code OpRegistryTest} fails when a
 * differentiable definition's node name has no entry here, and {@code OpGradCheckTest} when a
 * node name recorded in {@code src/main} is missing or an entry has no row.
 *
 * <pre>{@code
 * rows.add(row(PrimitiveOp.EXP, "exp", in -> in[0].exp(), g -> g.of(Domain.REAL, 2, 3)));
 * }</pre>
 */
public enum PrimitiveOp {
    ADD("AddBackward0"),
    ADD_SCALAR("AddBackward0"),
    SUB("SubBackward0"),
    RSUB_SCALAR("RsubBackward1"),
    MUL("MulBackward0"),
    MUL_SCALAR("MulBackward0"),
    DIV("DivBackward0"),
    DIV_SCALAR("DivBackward0"),
    RDIV_SCALAR("DivBackward0"),
    POW("PowBackward1"),
    POW_SCALAR("PowBackward0"),
    ATAN2("Atan2Backward0"),
    FMOD("FmodBackward1"),
    REMAINDER("RemainderBackward1"),
    RPOW_SCALAR("PowBackward2"),
    FLOOR("FloorBackward0"),
    CEIL("CeilBackward0"),
    ROUND("RoundBackward0"),
    TRUNC("TruncBackward0"),
    SQUARE("PowBackward0"),
    NEG("NegBackward0"),
    ABS("AbsBackward0"),
    SIGN("SignBackward0"),
    EXP("ExpBackward0"),
    LOG("LogBackward0"),
    SQRT("SqrtBackward0"),
    RSQRT("RsqrtBackward0"),
    RECIPROCAL("ReciprocalBackward0"),
    SIN("SinBackward0"),
    COS("CosBackward0"),
    TANH("TanhBackward0"),
    SIGMOID("SigmoidBackward0"),
    ERF("ErfBackward0"),
    LOG1P("Log1pBackward0"),
    EXPM1("Expm1Backward0"),
    RELU("ReluBackward0"),
    THRESHOLD_BACKWARD("ThresholdBackwardBackward0"),
    MAXIMUM("MaximumBackward0"),
    MINIMUM("MinimumBackward0"),
    CLAMP("ClampBackward1"),
    WHERE("WhereBackward0"),
    TO_DTYPE("ToCopyBackward0"),
    SUM("SumBackward0", "SumBackward1"),
    MEAN("MeanBackward0", "MeanBackward1"),
    PROD("ProdBackward0", "ProdBackward1"),
    AMAX("AmaxBackward0"),
    AMIN("AminBackward0"),
    MAX_DIM("MaxBackward0"),
    MIN_DIM("MinBackward0"),
    LOGSUMEXP("LogsumexpBackward0"),
    NORM("NormBackward1"),
    SOFTMAX("SoftmaxBackward0"),
    LOG_SOFTMAX("LogSoftmaxBackward0"),
    MATMUL("MmBackward0", "BmmBackward0"),
    RESHAPE("ReshapeAliasBackward0"),
    VIEW("ViewBackward0"),
    PERMUTE("PermuteBackward0"),
    TRANSPOSE("TransposeBackward0"),
    EXPAND("ExpandBackward0"),
    SLICE("SliceBackward0"),
    SELECT("SelectBackward0"),
    SLICE_BACKWARD("SliceBackwardBackward0"),
    CONSTANT_PAD("ConstantPadNdBackward0"),
    FLIP("FlipBackward0"),
    DIAGONAL("DiagonalBackward0"),
    DIAG_EMBED("DiagEmbedBackward0"),
    CUMSUM("CumsumBackward0"),
    CUMPROD("CumprodBackward0"),
    SORT("SortBackward0"),
    TOPK("TopkBackward0"),
    PERMUTE_ALONG_DIM("PermuteAlongDimBackward0"),
    IM2COL("Im2ColBackward0"),
    COL2IM("Col2ImBackward0"),
    CONVOLUTION("ConvolutionBackward0"),
    STRIDED_CONVOLUTION("StridedConvolutionBackward0"),
    CONVOLUTION_INPUT_GRAD("ConvolutionInputGradBackward0"),
    CONVOLUTION_WEIGHT_GRAD("ConvolutionWeightGradBackward0"),
    CONVOLUTION_BIAS_GRAD("ConvolutionBiasGradBackward0"),
    MAX_POOL2D_BACKWARD("MaxPool2DWithIndicesBackwardBackward0"),
    MAX_POOL2D("MaxPool2DWithIndicesBackward0"),
    AVG_POOL2D("AvgPool2DBackward0"),
    AVG_POOL2D_BACKWARD("AvgPool2DBackwardBackward0"),
    ADAPTIVE_AVG_POOL2D("AdaptiveAvgPool2DBackward0"),
    ADAPTIVE_AVG_POOL2D_BACKWARD("AdaptiveAvgPool2DBackwardBackward0"),
    ADAPTIVE_MAX_POOL2D("AdaptiveMaxPool2DBackward0"),
    MAX_UNPOOL2D("MaxUnpool2DBackward0"),
    CLONE("CloneBackward0"),
    INDEX_SELECT("IndexSelectBackward0"),
    INDEX_ADD("IndexAddBackward0"),
    GATHER("GatherBackward0"),
    SCATTER("ScatterBackward0", "ScatterBackward1"),
    SCATTER_ADD("ScatterAddBackward0"),
    MASKED_FILL("MaskedFillBackward0", "MaskedFillBackward1"),
    MASKED_SELECT("MaskedSelectBackward0"),
    TAKE("TakeBackward0"),
    INDEX("IndexBackward0"),
    EMBEDDING("EmbeddingBackward0"),
    CAT("CatBackward0"),
    /** The graph compiler's fused ops (dev.walnut.ops.FusedOps), checked in FusedOpCases. */
    FUSED_ELEMENTWISE("FusedElementwiseBackward0"),
    FUSED_LINEAR("FusedLinearBackward0"),
    FUSED_LAYER_NORM("FusedLayerNormBackward0"),
    FUSED_ATTENTION("FusedAttentionBackward0"),
    FUSED_CONV2D("FusedConv2DBackward0"),
    FUSED_MAX_POOL2D_VALUES("MaxPool2DValuesBackward0");

    private final String[] nodeNames;

    PrimitiveOp(String... nodeNames) {
        this.nodeNames = nodeNames;
    }

    /** The {@code gradFn().name()} of the node this op records (the first, when it has variants). */
    public String nodeName() {
        return nodeNames[0];
    }

    /** All node names this op may record (e.g. {@code MmBackward0} and {@code BmmBackward0} for matmul). */
    public java.util.List<String> nodeNames() {
        return java.util.List.of(nodeNames);
    }
}
