package org.scribbleseg.engine.export;

/** What a VOC export contains (specs/voc.md "What is exported"). */
public enum ExportMode {
    /** Images whose mask was accepted (the default). */
    DONE,
    /** Accepted masks, plus the current model's masks for the other images (also listed in predicted.txt). */
    PREDICTED,
    /** Scribbles and points only, 255 elsewhere: a scribble-supervision dataset. */
    SPARSE
}
