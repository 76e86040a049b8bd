package org.scribbleseg.engine.project;

/**
 * A training run of the project (table {@code run}): a heavy run of the worker process, or a live-head export.
 *
 * @param id           run id, also the folder {@code models/<id>/}
 * @param method       the method ({@code conv-probe}, {@code semivl}...; {@code weak-label-head} for head exports)
 * @param configJson   the config the run started with (JSON object)
 * @param device       where it computes ({@code cpu()}, {@code gpu(0)}), with the reason after " — " when known
 * @param dataRevision annotation revision of the project when the run started
 * @param metricsJson  evaluations as a JSON array of {@code {"step":n,"values":{...}}} (heavy runs)
 * @param state        {@link #RUNNING}, {@link #PAUSED}, {@link #FAILED}, {@link #CANCELLED}, {@link #DONE}
 * @param checkpoint   folder of the newest checkpoint (null before the first)
 * @param message      why it failed, or the last status line
 */
public record RunRecord(String id, String method, String configJson, String device, long dataRevision, String metricsJson,
        String state, long step, long total, String checkpoint, String message, long createdAt, long updatedAt) {
    public static final String RUNNING = "running";
    public static final String PAUSED = "paused";
    public static final String FAILED = "failed";
    public static final String CANCELLED = "cancelled";
    public static final String DONE = "done";

    /** One evaluation of a run: the step it was made at and its values ({@code miou}, {@code loss}, ...). */
    public record Evaluation(long step, java.util.Map<String, Double> values) {
    }

    /** The run's evaluations in the order they were made ({@link #metricsJson}; none when it is not readable). */
    public java.util.List<Evaluation> evaluations() {
        java.util.List<Evaluation> out = new java.util.ArrayList<>();
        if (metricsJson == null || metricsJson.isBlank()) {
            return out;
        }
        try {
            com.fasterxml.jackson.databind.JsonNode arr = Sql.JSON.readTree(metricsJson);
            for (com.fasterxml.jackson.databind.JsonNode ev : arr) {
                java.util.Map<String, Double> v = new java.util.LinkedHashMap<>();
                ev.path("values").fields().forEachRemaining(f -> v.put(f.getKey(), f.getValue().asDouble()));
                out.add(new Evaluation(ev.path("step").asLong(), java.util.Collections.unmodifiableMap(v)));
            }
        } catch (java.io.IOException e) {
            return java.util.List.of();
        }
        return out;
    }

    /** Whether the run stopped before its end and has a checkpoint to continue from. */
    public boolean resumable() {
        return checkpoint != null && !DONE.equals(state) && step < total;
    }
}
