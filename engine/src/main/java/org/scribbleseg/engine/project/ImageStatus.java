package org.scribbleseg.engine.project;

/** Where an image stands in annotation. */
public enum ImageStatus {
    UNLABELLED, IN_PROGRESS, DONE
}
