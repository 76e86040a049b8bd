/**
 * Training on DJL's PyTorch autograd: {@link org.scribbleseg.engine.nn.optim.AdamW} (parameter groups by ordered
 * name rules, torch-exact update, state saved to / restored from safetensors), {@link
 * org.scribbleseg.engine.nn.optim.PolySchedule} (poly 0.9 with linear warm-up), {@link
 * org.scribbleseg.engine.nn.optim.GradClip} (global norm, by value).
 *
 * <p>A step, with any trainable module ({@link org.scribbleseg.engine.nn.Dinov2Model}, {@link
 * org.scribbleseg.engine.nn.ClipModel}, or a composite whose {@link org.scribbleseg.engine.nn.Params} include
 * others under a prefix):
 * <pre>{@code
 * Params p = model.params();
 * p.freeze(n -> !(n.contains("attn") || n.contains("position")));       // e.g. SemiVL
 * AdamW opt = AdamW.builder(p).lr(1e-4).weightDecay(0.01)
 *         .rule("backbone", n -> n.startsWith("backbone."), 0.01, 1.0)  // first match wins
 *         .schedule(new PolySchedule(total, 0.9, warmup, 1e-6)).build();
 * for (...) {
 *     try (NDManager step = base.newSubManager(); GradTape tape = p.record()) {
 *         pixels.tempAttach(step);                                     // outputs land in the input's manager
 *         NDArray loss = MaskedCrossEntropy.loss(head(model.forward(pixels, false)), labels, null);
 *         tape.backward(loss);
 *         Map<String, NDArray> g = tape.gradients();                   // only parameters the loss reached
 *         GradClip.byGlobalNorm(g, 1.0);
 *         opt.step(g);
 *     }
 * }
 * p.save(dir.resolve("model.safetensors"), Map.of());                 // checkpoint: weights ...
 * opt.saveState(dir.resolve("optimizer.safetensors"));                 // ... and m, v, step counts
 * // resume: p.load(file); opt.loadState(file)  -> continues bit-identically (AdamWTest)
 * }</pre>
 * One {@link org.scribbleseg.engine.nn.GradTape} records at a time per JVM (DJL's single GradientCollector).
 */
package org.scribbleseg.engine.nn.optim;
