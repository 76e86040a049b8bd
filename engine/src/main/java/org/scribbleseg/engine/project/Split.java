package org.scribbleseg.engine.project;

/** Dataset split of an image; images without one go to train on export. */
public enum Split {
    NONE, TRAIN, VAL
}
