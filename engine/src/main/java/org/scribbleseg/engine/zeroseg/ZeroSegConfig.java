package org.scribbleseg.engine.zeroseg;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Shape of the ZeroSeg student (methods.md §E): a ViT encoder ({@code width}, {@code depth}, {@code heads},
 * {@code mlpHidden}) on a square input of {@code inputSize} pixels cut into {@code patchSize} patches, no class token;
 * an MAE decoder ({@code decoderWidth}, {@code decoderDepth}, {@code decoderHeads}) that reconstructs the masked
 * patches; a segmentation head of two GroupViT grouping stages with {@code groupTokens1} then {@code groupTokens2}
 * segment tokens, each stage {@code groupDepth} transformer blocks over [group tokens; input tokens] followed by a
 * grouping block; the segment tokens are projected to {@code embedDim} (the CLIP teacher's embedding size).
 *
 * @param maskRatio share of the patches hidden from the encoder and reconstructed by the decoder
 */
public record ZeroSegConfig(int inputSize, int patchSize, int width, int depth, int heads, int mlpHidden, int decoderWidth,
        int decoderDepth, int decoderHeads, int groupTokens1, int groupTokens2, int groupDepth, int embedDim, double maskRatio) {

    /** §E: "mask ratio 0.4" (40 % of the patches masked, the other 60 % visible to the encoder). */
    public static final double MASK_RATIO = 0.4;

    public ZeroSegConfig {
        if (inputSize % patchSize != 0 || width % heads != 0 || decoderWidth % decoderHeads != 0 || groupTokens1 < 1
                || groupTokens2 < 1 || embedDim < 1 || !(maskRatio >= 0 && maskRatio < 1) || depth < 1 || decoderDepth < 1
                || groupDepth < 0) {
            throw new IllegalArgumentException("bad ZeroSeg config " + new ObjectMapper().valueToTree(new Object[] {inputSize, patchSize,
                    width, depth, heads, mlpHidden, decoderWidth, decoderDepth, decoderHeads, groupTokens1, groupTokens2, groupDepth,
                    embedDim, maskRatio}));
        }
    }

    public int grid() {
        return inputSize / patchSize;
    }

    public int patches() {
        return grid() * grid();
    }

    /** Patches the encoder sees in training: round(patches · (1 − maskRatio)), at least one. */
    public int visible() {
        return Math.max(1, (int) Math.round(patches() * (1 - maskRatio)));
    }

    /**
     * Presets: {@code default} (GPU recipe: ViT-S/16 at 224, MAE decoder 256×4, 2 blocks per grouping stage; the
     * paper uses ViT-B/16), {@code cpu} (reduced CPU recipe: 128 px, width 192, depth 6), {@code tiny} (tests and
     * benchmarks: 64 px, width 32, depth 2). {@code embedDim} comes from the teacher.
     */
    public static ZeroSegConfig preset(String name, int embedDim) {
        return switch (name) {
            case "default" -> new ZeroSegConfig(224, 16, 384, 12, 6, 1536, 256, 4, 8, 32, 8, 2, embedDim, MASK_RATIO);
            case "cpu" -> new ZeroSegConfig(128, 16, 192, 6, 3, 768, 128, 2, 4, 32, 8, 1, embedDim, MASK_RATIO);
            case "tiny" -> new ZeroSegConfig(64, 16, 32, 2, 2, 64, 32, 1, 2, 32, 8, 1, embedDim, MASK_RATIO);
            default -> throw new IllegalArgumentException("unknown ZeroSeg preset '" + name + "' (default, cpu, tiny)");
        };
    }

    public ObjectNode toJson() {
        return new ObjectMapper().valueToTree(this);
    }

    public static ZeroSegConfig fromJson(JsonNode n) {
        return new ZeroSegConfig(n.get("inputSize").asInt(), n.get("patchSize").asInt(), n.get("width").asInt(), n.get("depth").asInt(),
                n.get("heads").asInt(), n.get("mlpHidden").asInt(), n.get("decoderWidth").asInt(), n.get("decoderDepth").asInt(),
                n.get("decoderHeads").asInt(), n.get("groupTokens1").asInt(), n.get("groupTokens2").asInt(), n.get("groupDepth").asInt(),
                n.get("embedDim").asInt(), n.get("maskRatio").asDouble());
    }
}
