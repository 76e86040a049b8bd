package org.scribbleseg.engine.job;

/** The workers of DESIGN §3. */
public enum Lane {
    /** One thread: head training and current-image prediction; latency-critical. */
    INTERACTIVE,
    /** A small pool: backbone feature extraction into the cache, current and next images first. */
    FEATURES,
    /** One thread: SemiVL, SimMIM, DDeP, ZeroSeg, exports; pausable, long. */
    HEAVY
}
